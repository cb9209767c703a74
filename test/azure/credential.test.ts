import { AzurePipelinesCredential, ChainedTokenCredential, type TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  azureCredential,
  pipelinesCredential,
  staticTokenCredential,
  withTokenTimeout,
} from '../../src/azure/credential.ts';
import { AzureError } from '../../src/azure/errors.ts';

describe('azureCredential', () => {
  it('uses an injected credential (tests) and passes its tokens through', async () => {
    const credential = azureCredential({ credential: staticTokenCredential('abc') });
    expect((await credential.getToken('https://management.azure.com/.default'))?.token).toBe('abc');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('prefers the Azure DevOps workload identity connection when the task exposes it', () => {
    vi.stubEnv(
      'SYSTEM_OIDCREQUESTURI',
      'https://dev.azure.com/org/_apis/distributedtask/hubs/build/plans/x/jobs/y/oidctoken',
    );
    const env = {
      AZURESUBSCRIPTION_TENANT_ID: '11111111-1111-1111-1111-111111111111',
      AZURESUBSCRIPTION_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
      AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: '33333333-3333-3333-3333-333333333333',
      SYSTEM_ACCESSTOKEN: 'ado-token',
    };
    expect(pipelinesCredential(env)).toBeInstanceOf(AzurePipelinesCredential);
    expect(pipelinesCredential({ ...env, SYSTEM_ACCESSTOKEN: undefined })).toBeUndefined();
  });

  it('falls back to DefaultAzureCredential (az login, managed or workload identity) outside a pipeline', () => {
    vi.stubEnv('SYSTEM_OIDCREQUESTURI', '');
    expect(pipelinesCredential({ AZURESUBSCRIPTION_TENANT_ID: 't' })).toBeUndefined();
    expect(typeof azureCredential({ env: {} }).getToken).toBe('function');
  });
});

describe('withTokenTimeout', () => {
  it('fails a sign-in that hangs with a message instead of waiting forever', async () => {
    const hanging: TokenCredential = { getToken: () => new Promise(() => {}) };
    const error = await withTokenTimeout(hanging, 50)
      .getToken('https://storage.azure.com/.default')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureError);
    expect((error as Error).message).toContain(
      'sign in on token for https://storage.azure.com/.default failed',
    );
    expect((error as Error).message).toContain('timed out after 0.1s');
  });

  it('explains a chain where no credential is available', async () => {
    const unavailable: TokenCredential = {
      getToken: async () => {
        const error = new Error('EnvironmentCredential is unavailable');
        error.name = 'CredentialUnavailableError';
        throw error;
      },
    };
    const chain = new ChainedTokenCredential(unavailable);
    await expect(withTokenTimeout(chain, 1000).getToken('scope')).rejects.toThrow(
      'no Azure credential is available: run `az login`',
    );
  });
});
