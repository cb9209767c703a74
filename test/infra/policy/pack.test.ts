import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARDRAILS } from '../../../infra/policy/guardrails.ts';
import { promotionSchema } from '../../../src/config/schema.ts';
import { decide, type PromotionEvidence } from '../../../src/promotion/rules.ts';
import { TAG, tagsFromEvidence } from '../../../src/promotion/tags.ts';
import { ENFORCEMENT, RunningPack } from './analyzer-client.ts';

const PACK_DIR = path.resolve(import.meta.dirname, '../../../infra/policy');

const actual = [10, 10, 10, 10];
const evidence: PromotionEvidence = {
  actual,
  candidate: { kind: 'ridge', forecast: [11, 11, 11, 11] },
  baseline: { kind: 'seasonal_naive', forecast: [13, 13, 13, 13] },
  hasChampion: false,
  scale: 2,
  history: 104,
};
const goodTags = tagsFromEvidence(evidence, decide(evidence, promotionSchema.parse({})));
const modelVersion = (tags: Record<string, string>) => ({
  name: 'mm-store-1-brand-a-0123456789ab',
  version: '1',
  workspaceName: 'mm-prod-mlw',
  resourceGroupName: 'mm-prod-rg',
  properties: { tags },
});

describe('the policy pack in Pulumi’s policy runtime (pulumi preview --policy-pack infra/policy)', () => {
  let pack: RunningPack;

  beforeAll(async () => {
    pack = await RunningPack.start(PACK_DIR);
  });
  afterAll(() => pack?.stop());

  it('loads under ts-node registration and announces every policy with its enforcement level', async () => {
    const info = await pack.info();
    expect(info).toMatchObject({ name: 'many-models', version: '0.1.0' });
    const levels = Object.fromEntries(info.policies.map((p) => [p.name, p.enforcement]));
    expect(Object.keys(levels).sort()).toEqual(
      [...GUARDRAILS.map((g) => g.name), 'model-promotion-gate'].sort(),
    );
    expect(levels['model-promotion-gate']).toBe(ENFORCEMENT.MANDATORY);
    expect(levels['synapse-sql-serverless-or-paused']).toBe(ENFORCEMENT.ADVISORY);
  });

  it('denies a prod model whose tags were tampered, and lets the honest one through', async () => {
    expect(
      await pack.analyze(
        'azure-native:machinelearningservices:ModelVersion',
        'model',
        modelVersion(goodTags),
      ),
    ).toEqual([]);
    const tampered = { ...goodTags, [TAG.candidateMetric]: '0.001' };
    expect(
      await pack.analyze(
        'azure-native:machinelearningservices:ModelVersion',
        'model',
        modelVersion(tampered),
      ),
    ).toEqual([
      {
        policy: 'model-promotion-gate',
        message: expect.stringContaining(
          "model 'mm-store-1-brand-a-0123456789ab' version 1 in prod workspace 'mm-prod-mlw': tag mm.metric.candidate claims 0.001 but the recorded holdout values give 0.1",
        ),
        enforcement: ENFORCEMENT.MANDATORY,
      },
    ]);
  });

  it('applies thresholds from --policy-pack-config', async () => {
    await pack.configure({ 'model-promotion-gate': { maxMetric: 0.05 } });
    const diagnostics = await pack.analyze(
      'azure-native:machinelearningservices:ModelVersion',
      'model',
      modelVersion(goodTags),
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining(
        'the promotion rules reject this model: absolute-bar failed: wape 0.1000 vs bar 0.0500',
      ),
    ]);
  });

  it('reports a guardrail violation on infrastructure', async () => {
    const diagnostics = await pack.analyze('azure-native:storage:StorageAccount', 'lake-account', {
      accountName: 'mmprodlake',
      resourceGroupName: 'mm-prod-rg',
      allowBlobPublicAccess: true,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      isHnsEnabled: true,
      tags: {
        environment: 'prod',
        owner: 'o',
        'cost-centre': 'c',
        project: 'many-models',
        'mm-role': 'data-lake',
      },
    });
    expect(diagnostics).toEqual([
      {
        policy: 'storage-no-public-blob-access',
        message: expect.stringContaining(
          "storage account 'mmprodlake' must set allowBlobPublicAccess to false (found true)",
        ),
        enforcement: ENFORCEMENT.MANDATORY,
      },
    ]);
  });
});
