import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { amlPipelineService } from '../../src/azure/pipeline-target.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { simulateJobs } from '../../twin/aml/jobs-state.ts';
import { SpecServer } from '../../twin/aml/spec-server.ts';
import { azureClusterConfig, SUBSCRIPTION } from './aml-fixture.ts';

let server: SpecServer;
let state: ReturnType<typeof simulateJobs>;

beforeAll(async () => {
  server = await new SpecServer({ workspaces: ['mm-dev-rg/mm-dev-mlw', 'mm-prod-rg/mm-prod-mlw'] }).start();
  state = simulateJobs(server, SUBSCRIPTION);
});
afterAll(async () => {
  await server.stop();
});

const target = (
  config = azureClusterConfig({ cluster: 'cpu-cluster', image: 'mmdevacr.azurecr.io/mm-runtime' }),
) => ({
  config,
  env: 'dev',
  lake: new FsBlobStore('/nonexistent'),
  codeVersion: '3f2c1ab',
  endpoint: server.endpoint,
  ca: server.ca,
  credential: staticTokenCredential(server.token),
  retryDelayMs: 20,
});

describe('amlPipelineService: where a stage pipeline is submitted, and in which environment', () => {
  it("registers this code's runtime image in the stage's workspace (train: dev, score: prod) and pins every step to that version", async () => {
    const train = await amlPipelineService({ ...target(), stage: 'train' });
    const score = await amlPipelineService({ ...target(), stage: 'score' });
    const registered = server.calls('EnvironmentVersions_CreateOrUpdate');
    expect(registered.map((c) => c.path.split('/')[8])).toEqual(['mm-dev-mlw', 'mm-prod-mlw']);
    // compute.image names the repository only: the code version is the tag ml.yml's Image stage built.
    expect([...state.environments.values()].map((e) => e.image)).toEqual([
      'mmdevacr.azurecr.io/mm-runtime:3f2c1ab',
      'mmdevacr.azurecr.io/mm-runtime:3f2c1ab',
    ]);
    expect(train.environment).toMatch(/^azureml:mm-runtime:i[0-9a-f]{12}$/);
    expect(score.environment).toBe(train.environment);
    expect(server.problems).toEqual([]);
  });

  it('reads a job name the workspace does not have as no job (Jobs_Get 404), so a rerun knows which names are free', async () => {
    const service = await amlPipelineService({ ...target(), stage: 'train' });
    await expect(service.status('mm-train-never-submitted')).resolves.toBeUndefined();
  });

  it('says what the environment file lacks before calling Azure', async () => {
    const before = server.log.length;
    await expect(
      amlPipelineService({ ...target(azureClusterConfig({ cluster: 'cpu-cluster' })), stage: 'train' }),
    ).rejects.toThrow(/environments\/dev\.yaml[\s\S]*compute\.image/);
    await expect(
      amlPipelineService({
        ...target(
          azureClusterConfig({ cluster: 'cpu-cluster', image: 'mmdevacr.azurecr.io/mm-runtime:latest' }),
        ),
        stage: 'train',
      }),
    ).rejects.toThrow(/not pinned/);
    expect(server.log.length).toBe(before);
  });
});
