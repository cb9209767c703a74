// ml.yml's Image stage (defect 1): the runtime image of this commit exists in the environment's registry and a
// pinned environment version names it. The Azure CLI is a stand-in that records what it was asked (there is no
// registry here; the build itself is proven by test/images, which builds pipelines/Dockerfile and runs it); the
// environment version is registered against the AML twin.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Az, publishRuntimeImage } from '../../.azure-pipelines/scripts/runtime-image.ts';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { simulateJobs } from '../../twin/aml/jobs-state.ts';
import { SpecServer } from '../../twin/aml/spec-server.ts';
import { SUBSCRIPTION } from '../azure/aml-fixture.ts';

const DEV_WS = 'mm-dev-rg/mm-dev-mlw';
let server: SpecServer;
let state: ReturnType<typeof simulateJobs>;
let project: string;

function environmentFile(image: string): void {
  writeFileSync(
    path.join(project, 'environments/dev.yaml'),
    [
      'storage: { kind: azure, accountUrl: https://mmdevlake.blob.core.windows.net, container: lake }',
      'registry:',
      '  kind: azureml',
      `  subscriptionId: ${SUBSCRIPTION}`,
      '  resourceGroup: mm-dev-rg',
      '  devWorkspace: mm-dev-mlw',
      '  prodWorkspace: mm-prod-mlw',
      '  prodResourceGroup: mm-prod-rg',
      `compute: { cluster: cpu-cluster, instanceCount: 2, image: ${JSON.stringify(image)} }`,
      '',
    ].join('\n'),
  );
}

/** An `az` that answers `acr repository show` as if the registry held `tags`, and records every call. */
function fakeAz(tags: Set<string>): { az: Az; calls: string[][] } {
  const calls: string[][] = [];
  const az: Az = async (args) => {
    calls.push(args);
    if (args[1] === 'repository' && args[2] === 'show') {
      const image = args[args.indexOf('--image') + 1]!;
      return tags.has(image)
        ? { exitCode: 0, stdout: '{}', stderr: '' }
        : { exitCode: 3, stdout: '', stderr: `ERROR: manifest unknown: ${image}` };
    }
    if (args[1] === 'build') {
      tags.add(args[args.indexOf('--image') + 1]!);
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    return { exitCode: 2, stdout: '', stderr: `unexpected az ${args.join(' ')}` };
  };
  return { az, calls };
}

beforeAll(async () => {
  server = await new SpecServer({ workspaces: [DEV_WS] }).start();
  state = simulateJobs(server, SUBSCRIPTION);
  project = mkdtempSync(path.join(tmpdir(), 'mm-runtime-image-'));
  mkdirSync(path.join(project, 'environments'));
  mkdirSync(path.join(project, 'configs'));
  writeFileSync(
    path.join(project, 'configs/demo.yaml'),
    'dataset:\n  path: x.parquet\n  partitionBy: [Store]\n  time: Week\n  target: Qty\n  frequency: W\nforecast:\n  horizon: 4\n  holdout: 4\n',
  );
});
afterAll(async () => {
  await server.stop();
  rmSync(project, { recursive: true, force: true });
});
afterEach(() => {
  expect(server.problems).toEqual([]);
});

const publish = (az: Az, codeVersion = '3f6052c1a2b4') =>
  publishRuntimeImage({
    env: 'dev',
    configPath: path.join(project, 'configs/demo.yaml'),
    projectRoot: project,
    codeVersion,
    az,
    endpoint: server.endpoint,
    ca: server.ca,
    credential: staticTokenCredential(server.token),
    retryDelayMs: 10,
  });

describe('the Image stage: runtime image of this commit, and its pinned environment version', () => {
  it('given a registry without this commit’s tag, builds it with ACR Tasks and registers a pinned version', async () => {
    environmentFile('mmdevacr.azurecr.io/mm-runtime');
    const { az, calls } = fakeAz(new Set(['mm-runtime:0ld']));
    const result = await publish(az);
    expect(result).toMatchObject({ image: 'mmdevacr.azurecr.io/mm-runtime:3f6052c1a2b4', built: true });
    const build = calls.find((c) => c[1] === 'build')!;
    expect(build.slice(0, 6)).toEqual([
      'acr',
      'build',
      '--registry',
      'mmdevacr',
      '--image',
      'mm-runtime:3f6052c1a2b4',
    ]);
    expect(build[build.indexOf('--file') + 1]).toBe(path.join(project, 'pipelines/Dockerfile'));
    expect(build).toContain('CODE_VERSION=3f6052c1a2b4');
    expect(build.at(-1)).toBe(project); // the context: the repository root, filtered by .dockerignore
    // The environment version is pinned to exactly that image.
    const version = /\/environments\/mm-runtime\/versions\/([\w.-]+)$/.exec(result.environmentId ?? '')?.[1];
    expect(state.environments.get(`${DEV_WS}/mm-runtime:${version}`)).toMatchObject({
      image: 'mmdevacr.azurecr.io/mm-runtime:3f6052c1a2b4',
    });
  });

  it('with imageOnly (ImageProd, as the build identity), builds the image and registers no environment', async () => {
    environmentFile('mmdevacr.azurecr.io/mm-runtime');
    const before = state.environments.size;
    const { az, calls } = fakeAz(new Set());
    const result = await publishRuntimeImage({
      env: 'dev',
      configPath: path.join(project, 'configs/demo.yaml'),
      projectRoot: project,
      codeVersion: '9a9a9a9a9a9a',
      imageOnly: true,
      az,
    });
    expect(result).toEqual({ image: 'mmdevacr.azurecr.io/mm-runtime:9a9a9a9a9a9a', built: true });
    expect(calls.map((c) => c[1])).toEqual(['repository', 'build']);
    expect(state.environments.size).toBe(before);
  });

  it('a rerun for the same commit builds nothing and registers the same version', async () => {
    environmentFile('mmdevacr.azurecr.io/mm-runtime');
    const tags = new Set<string>();
    const first = await publish(fakeAz(tags).az);
    const { az, calls } = fakeAz(tags);
    const again = await publish(az);
    expect(again).toEqual({ ...first, built: false });
    expect(calls.map((c) => c[1])).toEqual(['repository']);
  });

  it('refuses :latest and a registry that is not an Azure container registry, before calling anything', async () => {
    for (const image of ['mmdevacr.azurecr.io/mm-runtime:latest', 'docker.io/library/mm-runtime']) {
      environmentFile(image);
      const { az, calls } = fakeAz(new Set());
      const error = await publish(az).catch((e: unknown) => e);
      expect(error, image).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('environments/dev.yaml');
      expect(calls).toEqual([]);
    }
  });

  it('fails when ACR Tasks cannot build, registering nothing', async () => {
    environmentFile('mmdevacr.azurecr.io/mm-runtime');
    const before = state.environments.size;
    const failing: Az = async (args) =>
      args[1] === 'build'
        ? { exitCode: 1, stdout: '', stderr: 'denied' }
        : { exitCode: 3, stdout: '', stderr: '' };
    await expect(publish(failing, 'a1b2c3')).rejects.toThrow(/az acr build of .*:a1b2c3 failed/);
    expect(state.environments.size).toBe(before);
  });
});
