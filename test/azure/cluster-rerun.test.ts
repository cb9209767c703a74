import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runStageOnCluster } from '../../src/azure/cluster-run.ts';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { simulateJobs } from '../../twin/aml/jobs-state.ts';
import { SpecServer } from '../../twin/aml/spec-server.ts';
import { azureClusterConfig, SUBSCRIPTION } from './aml-fixture.ts';

// Issue 13, defects 5 and 8: Azure ML job names are unique in a workspace (a second Jobs_CreateOrUpdate with a
// used name is a 409), so a rerun of the same pipeline run must not reuse its job names; and a cluster carrying
// several user-assigned identities needs the job to say which one it acts as (AZURE_CLIENT_ID).
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
afterEach(() => {
  expect(server.problems).toEqual([]);
});

const TRAINING_CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const config = () =>
  azureClusterConfig({
    cluster: 'cpu-cluster',
    instanceCount: 2,
    image: 'mmdevacr.azurecr.io/many-models:abc',
    identityClientId: TRAINING_CLIENT_ID,
  });

const run = (runId: string, statuses?: string) =>
  runStageOnCluster({
    config: config(),
    stage: 'train',
    runId,
    env: 'dev',
    endpoint: server.endpoint,
    ca: server.ca,
    credential: staticTokenCredential(server.token),
    retryDelayMs: 10,
    configPath: 'configs/demo.yaml',
    pipelinesDir: path.resolve(import.meta.dirname, '../../pipelines'),
    wait: { pollIntervalMs: 5, onStatus: () => {} },
    // The spec server scripts a job's statuses from this tag (twin/aml/jobs-state.ts).
    ...(statuses ? { tags: { 'test.statuses': statuses } } : {}),
  });

const submitted = (prefix: string) =>
  server
    .calls('Jobs_CreateOrUpdate')
    .filter((c) => c.path.includes(`/jobs/${prefix}`))
    .map((c) => ({ name: c.path.split('/').at(-1), status: c.status }));

describe('rerunning a pipeline run on the cluster', () => {
  it('submits a new attempt when the first job failed, instead of colliding with its name (409)', async () => {
    await expect(run('r-fail', 'Queued,Running,Failed')).rejects.toThrow(/ended Failed/);
    const second = await run('r-fail');
    expect(second.status).toBe('Completed');
    expect(submitted('mm-train-r-fail')).toEqual([
      { name: 'mm-train-r-fail-a1', status: 201 },
      { name: 'mm-train-r-fail-a2', status: 201 },
    ]);
  });

  it('submits nothing when the stage already completed for this run: the rerun follows the finished job', async () => {
    await run('r-done');
    const again = await run('r-done');
    expect(again.status).toBe('Completed');
    expect(submitted('mm-train-r-done')).toEqual([{ name: 'mm-train-r-done-a1', status: 201 }]);
  });

  it('names the identity the nodes act as (AZURE_CLIENT_ID), and resumes on the nodes by default', async () => {
    await run('r-id');
    const body = state.sent(DEV_WS, 'mm-train-r-id-a1') as {
      environmentVariables: Record<string, string>;
      command: string;
    };
    expect(body.environmentVariables.AZURE_CLIENT_ID).toBe(TRAINING_CLIENT_ID);
    expect(body.command).toMatch(/ --resume\b/);
  });
});
