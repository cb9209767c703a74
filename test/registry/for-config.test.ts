import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { modelName } from '../../src/core/model-name.ts';
import { DeferredRegistry } from '../../src/registry/deferred.ts';
import { registryFor } from '../../src/registry/for-config.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { makeArtifact } from '../promotion/fixtures.ts';

const base = {
  dataset: { path: 'x.csv', partitionBy: ['Store'], time: 'Week', target: 'Qty', frequency: 'W' },
  forecast: { horizon: 4, holdout: 4 },
};

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-registry-for-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('registryFor', () => {
  it('opens a local registry below the storage root, or below the lake cache on Azure storage', () => {
    const local = registryFor(configSchema.parse({ ...base, storage: { kind: 'local', root } }), 'prod');
    expect(local).toBeInstanceOf(LocalModelRegistry);
    expect((local as LocalModelRegistry).location).toBe(path.join(root, 'registry', 'prod'));
    const cached = registryFor(
      configSchema.parse({
        ...base,
        storage: { kind: 'azure', accountUrl: 'https://acct.blob.core.windows.net', cacheRoot: root },
      }),
      'dev',
    );
    expect((cached as LocalModelRegistry).location).toBe(path.join(root, 'registry', 'dev'));
  });

  it('names the Azure ML workspace of the stage without loading the Azure SDK until first use', () => {
    const config = configSchema.parse({
      ...base,
      registry: {
        kind: 'azureml',
        subscriptionId: 'sub',
        resourceGroup: 'rg',
        devWorkspace: 'mm-dev-mlw',
        prodWorkspace: 'mm-prod-mlw',
      },
    });
    const prod = registryFor(config, 'prod');
    expect(prod).toBeInstanceOf(DeferredRegistry);
    expect(prod).toMatchObject({ stage: 'prod', location: 'azureml:mm-prod-mlw' });
    expect(registryFor(config, 'dev')).toMatchObject({ stage: 'dev', location: 'azureml:mm-dev-mlw' });
  });
});

describe('DeferredRegistry', () => {
  it('opens the real registry once, on first use, and delegates every call to it', async () => {
    let opened = 0;
    const deferred = new DeferredRegistry('prod', 'test', async () => {
      opened++;
      return new LocalModelRegistry({ root, stage: 'prod' });
    });
    expect(opened).toBe(0);
    const artifact = makeArtifact({ key: ['1'] }, { runId: 'run-1', partitions: [] });
    const [version] = await deferred.registerMany([{ artifact, tags: { 'mm.run.id': 'run-1' } }]);
    expect(await deferred.latest(artifact.name)).toEqual(version);
    expect((await deferred.load(artifact.name, 1))?.artifact).toEqual(artifact);
    const listed = [];
    for await (const v of deferred.list()) listed.push(v.name);
    expect(listed).toEqual([modelName(['1'])]);
    expect(opened).toBe(1);
  });
});
