import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwin, type Twin } from '../../twin/index.ts';

const run = promisify(execFile);
let twin: Twin;

beforeAll(async () => {
  twin = await startTwin({ appRoot: path.resolve('.') });
});
afterAll(async () => {
  await twin?.stop();
});

// A child process with only the twin's environment (router, CA, managed identity endpoint) and the product's own
// sign-in (azureCredential: DefaultAzureCredential) and lake adapter, against the real host names.
const PUT = `
import { AzureBlobStore } from '${path.resolve('src/storage/azure-blob-store.ts')}';
import { azureCredential } from '${path.resolve('src/azure/credential.ts')}';
const lake = (env) => new AzureBlobStore({ accountUrl: 'https://mm' + env + 'lake.blob.core.windows.net', container: 'lake', credential: azureCredential(), maxTries: 1 });
for (const env of ['dev', 'prod']) {
  try { await lake(env).put('prepared/twin-test-' + process.pid, 'x'); console.log(env + ': written'); }
  catch (e) { console.log(env + ': ' + e.message.split('\\n')[0]); }
}`;

async function asIdentities(names: string[], extra: Record<string, string> = {}) {
  const principals = names.map((n) => twin.estate.principal(n));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...twin.environmentFor(principals, 'test'),
    ...extra,
  };
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PUT], {
    env,
    timeout: 60_000,
  });
  return stdout.trim().split('\n');
}

describe('the twin, reached as Azure by a process that only knows Azure host names', () => {
  it('signs a process in as its one managed identity and lets it write only where the access plan says', async () => {
    expect(await asIdentities(['dev/dataprep'])).toEqual([
      'dev: written',
      expect.stringMatching(/^prod: put .* failed: role assignment missing: Storage Blob Data Contributor/),
    ]);
    expect(twin.lakes.proxy.log.some((c) => c.principal === 'dev/dataprep' && c.status === 403)).toBe(true);
  });

  it('refuses a token when the node carries two identities and the process names none', async () => {
    const [dev] = await asIdentities(['dev/dataprep', 'dev/training']);
    expect(dev).toMatch(/^dev: sign in .* failed/);
    expect(twin.msi.log.at(-1)?.status).toBe(400);
  });

  it('signs in as the identity AZURE_CLIENT_ID names when the node carries several', async () => {
    const training = twin.estate.principal('dev/training');
    const lines = await asIdentities(['dev/dataprep', 'dev/training'], {
      AZURE_CLIENT_ID: training.clientId,
    });
    expect(lines[0]).toBe('dev: written');
    expect(twin.msi.log.at(-1)?.principal).toBe('dev/training');
  });
});
