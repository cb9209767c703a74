import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LINEAGE_TAG, promoteAcross } from '../../src/azure/aml-promote.ts';
import { AzureMlModelRegistry } from '../../src/azure/aml-registry.ts';
import { modelName } from '../../src/core/model-name.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { makeArtifact } from '../promotion/fixtures.ts';
import { DEV, PROD, startAml } from './aml-fixture.ts';

let aml: Awaited<ReturnType<typeof startAml>>;
beforeAll(async () => {
  aml = await startAml();
});
afterAll(async () => {
  await aml.stop();
});
afterEach(() => {
  expect(aml.server.problems).toEqual([]);
});

const request = (key: string[], runId: string) => ({
  artifact: makeArtifact({ key }, { runId, partitions: [] }),
  tags: { 'mm.run.id': runId, 'mm.stage': 'dev', 'mm.key.Store': key[0]!, 'mm.key.Brand': key[1]! },
});

const workspaces = () => ({
  dev: new AzureMlModelRegistry({
    ...aml.client,
    workspace: DEV,
    stage: 'dev',
    artifactStore: aml.artifactStore(DEV),
  }),
  prod: new AzureMlModelRegistry({
    ...aml.client,
    workspace: PROD,
    stage: 'prod',
    artifactStore: aml.artifactStore(PROD),
  }),
});

describe('promoteAcross (dev workspace -> prod workspace)', () => {
  it('copies the approved artifact into prod and registers it with the evidence and lineage tags', async () => {
    const { dev, prod } = workspaces();
    await dev.registerMany([request(['1', 'a'], 'run-1')]);
    await dev.registerMany([request(['1', 'a'], 'run-2'), request(['2', 'b'], 'run-2')]);
    const name = modelName(['1', 'a']);
    const promoted = await promoteAcross({
      source: dev,
      target: prod,
      items: [{ name, version: 1, tags: { 'mm.promotion.outcome': 'promote' } }],
      now: () => new Date('2026-01-05T00:00:00Z'),
    });
    expect(promoted).toHaveLength(1);
    expect(promoted[0]).toMatchObject({ name, version: 1 });
    expect(promoted[0]?.tags).toEqual({
      'mm.run.id': 'run-1',
      'mm.stage': 'prod',
      'mm.key.Store': '1',
      'mm.key.Brand': 'a',
      'mm.promotion.outcome': 'promote',
      [LINEAGE_TAG.sourceRegistry]: 'workspace mm-dev-mlw (resource group mm-dev-rg)',
      [LINEAGE_TAG.sourceStage]: 'dev',
      [LINEAGE_TAG.sourceVersion]: '1',
      [LINEAGE_TAG.promotedAt]: '2026-01-05T00:00:00.000Z',
    });
    // The artifact now lives in prod's own datastore: prod serves even if dev is cleaned up.
    const loaded = await prod.load(name);
    expect(loaded?.artifact.lineage.runId).toBe('run-1');
    const prodPut = aml.server
      .calls('ModelVersions_CreateOrUpdate')
      .find((c) => c.path.includes('/workspaces/mm-prod-mlw/'))?.body as { properties: { modelUri: string } };
    expect(prodPut.properties.modelUri).toContain(
      '/resourcegroups/mm-prod-rg/workspaces/mm-prod-mlw/datastores/',
    );
    expect(await workspaces().prod.latest(modelName(['2', 'b']))).toBeUndefined();
  });

  it('adds nothing when the same dev version is promoted again', async () => {
    const { dev, prod } = workspaces();
    await dev.registerMany([request(['3', 'c'], 'run-1')]);
    const name = modelName(['3', 'c']);
    await promoteAcross({ source: dev, target: prod, items: [{ name, tags: {} }] });
    const again = await promoteAcross({ source: dev, target: prod, items: [{ name, tags: {} }] });
    expect(again[0]?.version).toBe(1);
    expect(
      aml.server
        .calls('ModelVersions_CreateOrUpdate')
        .filter((c) => c.path.includes('mm-prod-mlw') && c.path.includes(name)),
    ).toHaveLength(1);
  });

  it('refuses to promote a model the source does not have, and registers nothing', async () => {
    const { dev, prod } = workspaces();
    const name = modelName(['404', 'gone']);
    await expect(
      promoteAcross({ source: dev, target: prod, items: [{ name, version: 3, tags: {} }] }),
    ).rejects.toThrow(
      `cannot promote ${name}: workspace mm-dev-mlw (resource group mm-dev-rg) has no version 3 of it`,
    );
  });
});

describe('promoteAcross between local registries', () => {
  it('works the same for two folders, so the step has one code path', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mm-promote-'));
    try {
      const dev = new LocalModelRegistry({ root, stage: 'dev' });
      const prod = new LocalModelRegistry({ root, stage: 'prod' });
      await dev.registerMany([request(['5', 'e'], 'run-9')]);
      const [v] = await promoteAcross({
        source: dev,
        target: prod,
        items: [{ name: modelName(['5', 'e']), tags: {} }],
      });
      expect(v?.tags[LINEAGE_TAG.sourceVersion]).toBe('1');
      expect((await prod.load(modelName(['5', 'e'])))?.artifact.lineage.runId).toBe('run-9');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
