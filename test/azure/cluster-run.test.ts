import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runStageOnCluster } from '../../src/azure/cluster-run.ts';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { simulateJobs } from '../../twin/aml/jobs-state.ts';
import { SpecServer } from '../../twin/aml/spec-server.ts';
import { azureClusterConfig, SUBSCRIPTION } from './aml-fixture.ts';

const DEV_WS = 'mm-dev-rg/mm-dev-mlw';
const PROD_WS = 'mm-prod-rg/mm-prod-mlw';
let server: SpecServer;
let state: ReturnType<typeof simulateJobs>;

beforeAll(async () => {
  server = await new SpecServer({ workspaces: [DEV_WS, PROD_WS] }).start();
  state = simulateJobs(server, SUBSCRIPTION);
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  expect(server.problems).toEqual([]);
});

const config = azureClusterConfig;

const common = () => ({
  endpoint: server.endpoint,
  ca: server.ca,
  credential: staticTokenCredential(server.token),
  retryDelayMs: 10,
  configPath: 'configs/demo.yaml',
  pipelinesDir: path.resolve(import.meta.dirname, '../../pipelines'),
  wait: { pollIntervalMs: 5, onStatus: () => {} },
});

describe('runStageOnCluster', () => {
  it('trains on N nodes of the dev cluster, then merges the N shards, with one run id', async () => {
    const train = await runStageOnCluster({
      ...common(),
      config: config(),
      stage: 'train',
      runId: 'r-7',
      env: 'dev',
    });
    expect(train).toMatchObject({ job: { name: 'mm-train-r-7-a1' }, status: 'Completed' });
    const sent = state.sent(DEV_WS, 'mm-train-r-7-a1') as Record<string, Record<string, unknown>>;
    expect(sent.resources).toEqual({ instanceCount: 3 });
    expect(sent.environmentId).toMatch(
      /\/workspaces\/mm-dev-mlw\/environments\/mm-runtime\/versions\/i[0-9a-f]{12}$/,
    );
    expect(sent.inputs).toEqual({
      config: { jobInputType: 'literal', value: 'configs/demo.yaml' },
      env: { jobInputType: 'literal', value: 'dev' },
      run_id: { jobInputType: 'literal', value: 'r-7' },
    });
    expect(sent.tags).toMatchObject({ 'mm.run.id': 'r-7', 'mm.environment': 'dev' });

    await runStageOnCluster({
      ...common(),
      config: config(),
      stage: 'train-merge',
      runId: 'r-7',
      env: 'dev',
    });
    const merge = state.sent(DEV_WS, 'mm-train-merge-r-7-a1') as Record<string, Record<string, unknown>>;
    expect(merge.resources).toEqual({ instanceCount: 1 });
    expect(merge.inputs?.shards).toEqual({ jobInputType: 'literal', value: '3' });
  });

  it('scores in the prod workspace', async () => {
    const scored = await runStageOnCluster({
      ...common(),
      config: config(),
      stage: 'score',
      runId: 's-1',
      env: 'prod',
    });
    expect(scored.status).toBe('Completed');
    expect(state.sent(PROD_WS, 'mm-score-s-1-a1')).toBeDefined();
  });

  it('can submit and return without waiting', async () => {
    const { status } = await runStageOnCluster({
      ...common(),
      config: config(),
      stage: 'train',
      runId: 'r-8',
      env: 'dev',
      detach: true,
    });
    expect(status).toBe('NotStarted');
  });

  it('runs the image of this code: compute.image names the repository, the code version pins the tag (defect 1)', async () => {
    await runStageOnCluster({
      ...common(),
      config: config({ cluster: 'cpu-cluster', instanceCount: 2, image: 'mmdevacr.azurecr.io/mm-runtime' }),
      stage: 'train',
      runId: 'r-pin',
      env: 'dev',
      codeVersion: '3f6052c1a2b4',
    });
    const sent = state.sent(DEV_WS, 'mm-train-r-pin-a1') as Record<string, string>;
    const version = /\/environments\/mm-runtime\/versions\/([\w.-]+)$/.exec(sent.environmentId!)?.[1];
    expect(version).toBeDefined();
    expect(state.environments.get(`${DEV_WS}/mm-runtime:${version}`)).toMatchObject({
      image: 'mmdevacr.azurecr.io/mm-runtime:3f6052c1a2b4',
    });
  });

  it('refuses compute without an image: there is no environment to run the nodes in', async () => {
    const error = await runStageOnCluster({
      ...common(),
      config: config({ cluster: 'cpu-cluster', instanceCount: 2 }),
      stage: 'train',
      runId: 'r-noimage',
      env: 'dev',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('compute.image');
  });

  it('says what the environment file lacks before calling Azure', async () => {
    const before = server.log.length;
    const error = await runStageOnCluster({
      ...common(),
      config: config(null),
      stage: 'train',
      runId: 'r-9',
      env: 'dev',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('environments/dev.yaml');
    expect((error as Error).message).toContain("compute: running 'train' on a cluster needs compute.cluster");
    expect(server.log.length).toBe(before);
  });
});
