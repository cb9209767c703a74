import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { computeKindFor, stageContextFor } from '../../src/stages/context.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { azureClusterConfig } from '../azure/aml-fixture.ts';

const base = {
  dataset: {
    path: 'x.parquet',
    partitionBy: ['Store', 'Brand'],
    time: 'WeekStarting',
    target: 'Quantity',
    frequency: 'W',
  },
  forecast: { horizon: 8, holdout: 8 },
};
const azure = azureClusterConfig({
  cluster: 'cpu-cluster',
  instanceCount: 4,
  image: 'mmdevacr.azurecr.io/many-models:abc',
});

describe('where a stage computes', () => {
  it('goes to the cluster only when the lake is in Azure and a cluster is named', () => {
    expect(computeKindFor(azure)).toBe('aml');
    expect(computeKindFor({ ...azure, compute: undefined })).toBe('local');
    expect(computeKindFor(configSchema.parse(base))).toBe('local');
    expect(computeKindFor(configSchema.parse(base), 3)).toBe('shards');
    // A step on the cluster: MM_LAKE_ROOT turned the storage local, so it computes right there.
    expect(computeKindFor({ ...azure, storage: { kind: 'local', root: '/mnt/lake' } })).toBe('local');
  });

  it('makes the Azure ML pipeline job (parallel step) the aml engine, and keeps --shards for local processes', async () => {
    const source = { configPath: 'configs/demo.yaml', env: 'dev' };
    const blobStore = new FsBlobStore('/nonexistent');
    expect((await stageContextFor(azure, { source, blobStore })).compute.name).toBe('aml-parallel');
    expect((await stageContextFor(configSchema.parse(base), { source, shards: 3 })).compute.name).toBe(
      'shards',
    );
    await expect(stageContextFor(azure, { source, blobStore, shards: 4 })).rejects.toThrow(
      /--shards runs N engine processes on this machine.*compute\.instanceCount/,
    );
  });
});

describe('the compute.engine entry of an environment', () => {
  const spark = {
    ...base,
    storage: { kind: 'azure', accountUrl: 'https://mmdevlake.blob.core.windows.net' },
  };

  it('defaults to aml, so environment files written before the Spark engines stay valid', () => {
    expect(configSchema.parse({ ...spark, compute: { cluster: 'cpu-cluster' } }).compute?.engine).toBe('aml');
  });

  it('picks Databricks or Synapse Spark with their own settings, and refuses an engine without them', () => {
    const databricks = configSchema.parse({
      ...spark,
      compute: {
        engine: 'databricks',
        databricks: {
          workspaceUrl: 'https://adb-1.1.azuredatabricks.net',
          runtimeVolume: '/Volumes/mm/runtime/files/v1',
          lakeVolume: '/Volumes/mm/lake/files',
          runAs: '11111111-2222-3333-4444-555555555555',
        },
      },
    });
    expect(computeKindFor(databricks)).toBe('databricks');
    expect(() => configSchema.parse({ ...spark, compute: { engine: 'synapse-spark' } })).toThrow(
      /synapseSpark/,
    );
  });
});
