import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyProdModels } from '../../../.azure-pipelines/scripts/verify-prod-models.ts';
import { promotionSchema } from '../../../src/config/schema.ts';
import { decide, type PromotionEvidence } from '../../../src/promotion/rules.ts';
import { TAG, tagsFromEvidence } from '../../../src/promotion/tags.ts';
import { LocalModelRegistry } from '../../../src/registry/local.ts';
import { makeArtifact } from '../../promotion/fixtures.ts';

// Issue 18 item 9: the promotion gate sits on the real path. Prod versions are written by the SDK (never by
// Pulumi), so the pipeline re-verifies what the run registered, with the rules module the step used.

const rules = promotionSchema.parse({});
const evidence: PromotionEvidence = {
  actual: [10, 10, 10, 10],
  candidate: { kind: 'ridge', forecast: [11, 11, 11, 11] },
  baseline: { kind: 'seasonal_naive', forecast: [13, 13, 13, 13] },
  hasChampion: false,
  scale: 2,
  history: 104,
};
const honest = tagsFromEvidence(evidence, decide(evidence, rules));

let root: string;
let prod: LocalModelRegistry;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-verify-prod-'));
  prod = new LocalModelRegistry({ root, stage: 'prod' });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const register = (key: string, runId: string, tags: Record<string, string>) =>
  prod.registerMany([
    {
      artifact: makeArtifact({ key: [key] }, { runId, partitions: [] }),
      tags: { ...tags, 'mm.run.id': runId },
    },
  ]);

describe('verify-prod (the VerifyProd stage)', () => {
  it('given the run registered only honest versions, when verified, then all pass', async () => {
    await register('1', 'run-7', honest);
    await register('2', 'run-7', honest);
    expect(await verifyProdModels(prod, rules, 'run-7')).toEqual({ checked: 2, rejected: [], offenders: [] });
  });

  it('given a version whose tags claim a better metric than its evidence, when verified, then it is named', async () => {
    await register('1', 'run-7', honest);
    await register('2', 'run-7', { ...honest, [TAG.candidateMetric]: '0.001' });
    const verdict = await verifyProdModels(prod, rules, 'run-7');
    expect(verdict.checked).toBe(2);
    expect(verdict.rejected).toEqual([expect.stringMatching(/ v1: tag mm\.metric\.candidate claims 0\.001/)]);
  });

  it('checks only the versions this run registered', async () => {
    await register('1', 'run-6', { ...honest, [TAG.candidateMetric]: '0.001' });
    await register('2', 'run-7', honest);
    expect(await verifyProdModels(prod, rules, 'run-7')).toEqual({ checked: 1, rejected: [], offenders: [] });
  });

  it('refuses to verify anything but the prod registry', async () => {
    const dev = new LocalModelRegistry({ root, stage: 'dev' });
    await expect(verifyProdModels(dev, rules, 'run-7')).rejects.toThrow("not 'dev'");
  });
});
