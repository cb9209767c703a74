import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStack } from '../../../infra/program.ts';
import { environmentSettings, parseStackOutputs } from '../../../infra/scripts/environment-file.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { installMocks, resolve, settle, stackConfig } from '../harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SCRIPT = path.join(ROOT, 'infra/scripts/write-environment.ts');
const fixture = (stack: string) => path.join(ROOT, `test/infra/fixtures/${stack}-outputs.json`);
const work = mkdtempSync(path.join(tmpdir(), 'mm-write-env-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = promisify(execFile);
async function script(
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, [SCRIPT, ...args], { cwd: ROOT });
  if (stdin !== undefined) {
    child.child.stdin?.end(stdin);
  } else child.child.stdin?.end();
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('write-environment', () => {
  it.each(['dev', 'prod'] as const)(
    'the %s outputs fixture is what the program outputs (under mocks)',
    async (stack) => {
      await installMocks({
        stack,
        stackOutputs: {
          workspaceId: 'dev-ws',
          lakeContainerId: 'dev-lake',
          containerRegistryId: 'dev-acr',
          lakeBlobEndpoint: 'https://mmdevlake.blob.core.windows.net/',
          lakeContainer: 'lake',
        },
      });
      const outputs = await resolve(buildStack(stackConfig(stack)).outputs);
      await settle();
      await expect(`${JSON.stringify(outputs, null, 2)}\n`).toMatchFileSnapshot(fixture(stack));
    },
  );

  it.each(['dev', 'prod'] as const)(
    'writes environments/%s.yaml exactly as committed, from the outputs piped in',
    async (stack) => {
      const out = path.join(work, `${stack}.yaml`);
      const result = await script(['--out', out], readFileSync(fixture(stack), 'utf8'));
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(out, 'utf8')).toBe(
        readFileSync(path.join(ROOT, `environments/${stack}.yaml`), 'utf8'),
      );
    },
  );

  it('produces a file the shared config schema reads: the engine finds the lake, the registries and the cluster', () => {
    const prod = loadConfig({
      configPath: path.join(ROOT, 'configs/demo.yaml'),
      env: 'prod',
      projectRoot: ROOT,
    });
    expect(prod.storage).toMatchObject({
      kind: 'azure',
      accountUrl: 'https://mmprodlake.blob.core.windows.net',
      container: 'lake',
    });
    expect(prod.registry).toMatchObject({
      kind: 'azureml',
      resourceGroup: 'mm-dev-rg',
      devWorkspace: 'mm-dev-mlw',
      prodWorkspace: 'mm-prod-mlw',
      prodResourceGroup: 'mm-prod-rg',
    });
    // Defect 1: the runtime image the cluster jobs run, in the stack's own registry, pinned per commit at submit.
    expect(prod.compute).toMatchObject({
      cluster: 'cpu-cluster',
      instanceCount: 8,
      image: 'mmprodacr.azurecr.io/mm-runtime',
    });
    expect(prod.synapse).toEqual({
      server: 'mm-prod-syn-ondemand.sql.azuresynapse.net',
      database: 'manymodels',
    });
    const dev = loadConfig({
      configPath: path.join(ROOT, 'configs/demo.yaml'),
      env: 'dev',
      projectRoot: ROOT,
    });
    expect(dev.synapse).toBeUndefined();
    expect(dev.compute).toMatchObject({ engine: 'aml', instanceCount: 4 });
  });

  it('maps outputs to settings without touching the file system', () => {
    const outputs = parseStackOutputs(readFileSync(fixture('prod'), 'utf8'), 'fixture');
    expect(
      environmentSettings({ ...outputs, lakeBlobEndpoint: 'https://x.blob.core.windows.net///' }).storage
        .accountUrl,
    ).toBe('https://x.blob.core.windows.net');
  });

  it('refuses input that is not JSON, and writes nothing', async () => {
    const out = path.join(work, 'broken.yaml');
    const result = await script(['--out', out], 'error: no stack named dev');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^write-environment: standard input is not JSON \(.*\); pipe `pulumi stack output --json`\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('names every missing or malformed output, and leaves the existing file as it was', async () => {
    const out = path.join(work, 'kept.yaml');
    writeFileSync(out, 'previous: content\n');
    const outputs = JSON.parse(readFileSync(fixture('dev'), 'utf8')) as Record<string, unknown>;
    delete outputs.workspaceName;
    outputs.lakeBlobEndpoint = 'not a url';
    const input = path.join(work, 'outputs.json');
    writeFileSync(input, JSON.stringify(outputs));
    const result = await script(['--outputs', input, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `write-environment: ${input} does not hold the many-models stack outputs:\n` +
        '  - lakeBlobEndpoint: Invalid URL\n' +
        '  - workspaceName: Invalid input: expected string, received undefined\n',
    );
    expect(readFileSync(out, 'utf8')).toBe('previous: content\n');
  });

  it('refuses to write one environment from another stack’s outputs', async () => {
    const result = await script([
      '--outputs',
      fixture('dev'),
      '--env',
      'prod',
      '--out',
      path.join(work, 'x.yaml'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `write-environment: --env prod was asked for, but ${fixture('dev')} holds the dev stack\n`,
    );
  });

  it('explains its usage on an unknown flag', async () => {
    const result = await script(['--stack', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Unknown option '--stack'");
    expect(result.stderr).toContain('usage: write-environment.ts');
  });
});
