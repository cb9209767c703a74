import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amlArchiver, archiveRejected } from '../../../.azure-pipelines/scripts/archive-rejected.ts';
import { accessPlan, STAGE_IDENTITIES } from '../../../infra/access-plan.ts';
import { symbolicRefs } from '../../../infra/access-table.ts';
import { AzureMlModelRegistry } from '../../../src/azure/aml-registry.ts';
import { promotionSchema } from '../../../src/config/schema.ts';
import { decide, type PromotionEvidence } from '../../../src/promotion/rules.ts';
import { TAG, tagsFromEvidence } from '../../../src/promotion/tags.ts';
import { rolePermits } from '../../../twin/rbac/roles.ts';
import { PROD, startAml } from '../../azure/aml-fixture.ts';
import { makeArtifact } from '../../promotion/fixtures.ts';

// Issue 18 item 9: a prod version whose tags the rules reject is archived, by the promotion identity (the auditor
// that finds it cannot write), against Azure ML's REST contract as the twin serves it.

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

let aml: Awaited<ReturnType<typeof startAml>>;
let prod: AzureMlModelRegistry;
beforeAll(async () => {
  aml = await startAml();
  prod = new AzureMlModelRegistry({
    ...aml.client,
    workspace: PROD,
    stage: 'prod',
    artifactStore: aml.artifactStore(PROD),
  });
});
afterAll(async () => aml?.stop());

const register = async (key: string, runId: string, tags: Record<string, string>) => {
  const [version] = await prod.registerMany([
    {
      artifact: makeArtifact({ key: [key] }, { runId, partitions: [] }),
      tags: { ...tags, 'mm.run.id': runId },
    },
  ]);
  return version!;
};
const archivedFlag = (name: string, version: number) =>
  aml.state.models(`${PROD.resourceGroup}/${PROD.workspace}`).get(name)?.versions.get(String(version))
    ?.properties.isArchived;

describe('archive-rejected (the ArchiveRejected stage, after VerifyProd failed)', () => {
  it('given a tampered and an honest version of the run, archives the tampered one only, keeping it readable', async () => {
    const good = await register('1', 'run-9', honest);
    const bad = await register('2', 'run-9', { ...honest, [TAG.candidateMetric]: '0.001' });
    const other = await register('3', 'run-8', { ...honest, [TAG.candidateMetric]: '0.001' });
    const result = await archiveRejected({
      registry: prod,
      rules,
      runId: 'run-9',
      archive: amlArchiver(PROD, aml.client),
    });
    expect(result.archived).toEqual([{ name: bad.name, version: bad.version }]);
    expect(result.rejected).toEqual([expect.stringMatching(/claims 0\.001/)]);
    expect(archivedFlag(bad.name, bad.version)).toBe(true);
    expect(archivedFlag(good.name, good.version)).toBeUndefined();
    // Another run's version is not this run's to judge.
    expect(archivedFlag(other.name, other.version)).toBeUndefined();
    // Archived, not deleted: the evidence stays for the audit, tags unchanged.
    const kept = aml.state
      .models(`${PROD.resourceGroup}/${PROD.workspace}`)
      .get(bad.name)
      ?.versions.get(String(bad.version));
    expect(kept?.properties.tags).toMatchObject({ [TAG.candidateMetric]: '0.001' });
  });

  it('archives nothing when every version of the run passes', async () => {
    await register('4', 'run-10', honest);
    const calls: string[] = [];
    const result = await archiveRejected({
      registry: prod,
      rules,
      runId: 'run-10',
      archive: async (name, version) => {
        calls.push(`${name}:${version}`);
      },
    });
    expect(result).toMatchObject({ checked: 1, archived: [] });
    expect(calls).toEqual([]);
  });

  it('runs as the promotion identity, which may write a prod model version; the auditor may not', () => {
    const stage = STAGE_IDENTITIES.find((s) => s.stage === 'ArchiveRejected');
    expect(stage).toMatchObject({
      stack: 'prod',
      identity: 'promotion',
      serviceConnection: 'mm-ml-promotion',
    });
    const write = { action: 'Microsoft.MachineLearningServices/workspaces/models/versions/write' };
    const onWorkspace = (principal: string) =>
      accessPlan(symbolicRefs('prod')).filter((g) => g.principal === principal && g.on === 'workspace');
    expect(onWorkspace('promotion').some((g) => rolePermits(g.role, write))).toBe(true);
    expect(onWorkspace('auditor').some((g) => rolePermits(g.role, write))).toBe(false);
  });
});
