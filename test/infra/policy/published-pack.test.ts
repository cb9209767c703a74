import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPolicyPack } from '../../../infra/policy/scripts/build.ts';
import { promotionSchema } from '../../../src/config/schema.ts';
import { decide, type PromotionEvidence } from '../../../src/promotion/rules.ts';
import { TAG, tagsFromEvidence } from '../../../src/promotion/tags.ts';
import { ENFORCEMENT, RunningPack } from './analyzer-client.ts';

// Issue 18 item 15: a pack published to a Pulumi policy group is installed from its own folder, with only the
// dependencies its package.json names (https://www.pulumi.com/docs/iac/using-pulumi/crossguard/ "Publishing").
// So the built pack is copied to a folder outside the repository whose node_modules holds exactly those
// dependencies, and run there by Pulumi's policy runtime: any import reaching outside the pack fails to load.

const evidence: PromotionEvidence = {
  actual: [10, 10, 10, 10],
  candidate: { kind: 'ridge', forecast: [11, 11, 11, 11] },
  baseline: { kind: 'seasonal_naive', forecast: [13, 13, 13, 13] },
  hasChampion: false,
  scale: 2,
  history: 104,
};
const goodTags = tagsFromEvidence(evidence, decide(evidence, promotionSchema.parse({})));
const MODEL_VERSION = 'azure-native:machinelearningservices:ModelVersion';
const modelVersion = (tags: Record<string, string>) => ({
  name: 'mm-store-1-brand-a-0123456789ab',
  version: '1',
  workspaceName: 'mm-prod-mlw',
  properties: { tags },
});

describe('the published policy pack (npm run build -w infra/policy)', () => {
  let root: string;
  let isolated: string;
  let declared: string[];
  let pack: RunningPack;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'mm-policy-pack-'));
    isolated = path.join(root, 'pack');
    buildPolicyPack(isolated);
    const manifest = JSON.parse(readFileSync(path.join(isolated, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    declared = Object.keys(manifest.dependencies).sort();
    // Only the declared dependencies are visible from the pack folder (their own dependencies resolve from
    // where they are installed, as they would after `npm install` in the published folder).
    const require = createRequire(import.meta.url);
    for (const name of declared) {
      const installed = path.dirname(require.resolve(`${name}/package.json`));
      mkdirSync(path.dirname(path.join(isolated, 'node_modules', name)), { recursive: true });
      symlinkSync(installed, path.join(isolated, 'node_modules', name), 'dir');
    }
    pack = await RunningPack.start(isolated);
  });
  afterAll(() => {
    pack?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('declares its own runtime dependencies, none of them a repository package', () => {
    expect(declared).toEqual(['@pulumi/policy', '@pulumi/pulumi', 'zod']);
  });

  it('loads from its own folder and announces the promotion gate as mandatory', async () => {
    const info = await pack.info();
    expect(info.name).toBe('many-models');
    const levels = Object.fromEntries(info.policies.map((p) => [p.name, p.enforcement]));
    expect(levels['model-promotion-gate']).toBe(ENFORCEMENT.MANDATORY);
    expect(levels['storage-no-public-blob-access']).toBe(ENFORCEMENT.MANDATORY);
  });

  it('applies the same promotion rules as the step: honest tags pass, tampered tags are denied', async () => {
    expect(await pack.analyze(MODEL_VERSION, 'model', modelVersion(goodTags))).toEqual([]);
    const tampered = { ...goodTags, [TAG.candidateMetric]: '0.001' };
    const diagnostics = await pack.analyze(MODEL_VERSION, 'model', modelVersion(tampered));
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('tag mm.metric.candidate claims 0.001'),
    ]);
  });
});
