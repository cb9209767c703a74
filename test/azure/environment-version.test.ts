import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { ensureEnvironment } from '../../src/azure/environment-version.ts';
import { simulateJobs } from '../../twin/aml/jobs-state.ts';
import { SpecServer } from '../../twin/aml/spec-server.ts';
import { DEV, SUBSCRIPTION } from './aml-fixture.ts';

let server: SpecServer;
let state: ReturnType<typeof simulateJobs>;

beforeAll(async () => {
  server = await new SpecServer({ workspaces: ['mm-dev-rg/mm-dev-mlw'] }).start();
  state = simulateJobs(server, SUBSCRIPTION);
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  expect(server.problems).toEqual([]);
});

describe('ensureEnvironment', () => {
  it('registers the runtime image as an environment version derived from the image, idempotently', async () => {
    const target = {
      workspace: DEV,
      endpoint: server.endpoint,
      ca: server.ca,
      credential: staticTokenCredential(server.token),
      retryDelayMs: 20,
    };
    const image = 'mmdevacr.azurecr.io/many-models:3f2c1ab';
    const first = await ensureEnvironment({ ...target, image });
    const again = await ensureEnvironment({ ...target, image });
    expect(first).toBe(again);
    expect(first).toMatch(/\/workspaces\/mm-dev-mlw\/environments\/mm-runtime\/versions\/i[0-9a-f]{12}$/);
    expect(server.calls('EnvironmentVersions_CreateOrUpdate').map((c) => c.status)).toEqual([201, 200]);
    expect([...state.environments.values()][0]).toMatchObject({ image });
  });
});
