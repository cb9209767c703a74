import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { trainOnCluster } from '../../src/compute/aml-command.ts';
import { configSchema } from '../../src/config/schema.ts';
import { computeKindFor } from '../../src/stages/context.ts';
import { simulateJobs } from '../../twin/aml/jobs-state.ts';
import { SpecServer } from '../../twin/aml/spec-server.ts';
import { azureClusterConfig, SUBSCRIPTION } from '../azure/aml-fixture.ts';

const DEV_WS = 'mm-dev-rg/mm-dev-mlw';
let server: SpecServer;
let state: ReturnType<typeof simulateJobs>;

beforeAll(async () => {
  server = await new SpecServer({ workspaces: [DEV_WS, 'mm-prod-rg/mm-prod-mlw'] }).start();
  state = simulateJobs(server, SUBSCRIPTION);
});
afterAll(async () => {
  await server.stop();
});

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

describe('where a training stage runs', () => {
  it('goes to the cluster only when the lake is in Azure and a cluster is named', () => {
    expect(computeKindFor(azure)).toBe('aml');
    expect(computeKindFor({ ...azure, compute: undefined })).toBe('local');
    expect(computeKindFor(configSchema.parse(base))).toBe('local');
    expect(computeKindFor(configSchema.parse(base), 3)).toBe('shards');
    // A cluster node: MM_LAKE_ROOT turned the storage local, so the node trains its shard right there.
    expect(computeKindFor({ ...azure, storage: { kind: 'local', root: '/mnt/lake' } })).toBe('local');
  });

  it('trains on the requested node count, then merges that many shards under the same run id', async () => {
    await trainOnCluster({ config: azure, configPath: 'configs/demo.yaml', env: 'dev', runId: 'ado-42' }, 6, {
      endpoint: server.endpoint,
      ca: server.ca,
      credential: staticTokenCredential(server.token),
      retryDelayMs: 10,
      pollIntervalMs: 5,
      pipelinesDir: path.resolve(import.meta.dirname, '../../pipelines'),
    });
    const train = state.sent(DEV_WS, 'mm-train-ado-42-a1') as Record<string, Record<string, unknown>>;
    const merge = state.sent(DEV_WS, 'mm-train-merge-ado-42-a1') as Record<string, Record<string, unknown>>;
    expect(train.resources).toEqual({ instanceCount: 6 });
    expect(train.inputs?.run_id).toEqual({ jobInputType: 'literal', value: 'ado-42' });
    expect(merge.inputs?.shards).toEqual({ jobInputType: 'literal', value: '6' });
    expect(merge.inputs?.run_id).toEqual({ jobInputType: 'literal', value: 'ado-42' });
    expect(server.problems).toEqual([]);
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
