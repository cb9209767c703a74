import { RestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { AzureError, azureCall, explainAzureError } from '../../src/azure/errors.ts';

function rest(status: number, code: string, message = 'service said no'): RestError {
  return new RestError(message, { statusCode: status, code });
}

const ws = {
  service: 'arm' as const,
  resource: 'workspace mm-dev-mlw',
  operation: 'register mm-a-0123456789ab',
};

describe('explainAzureError', () => {
  it('names the missing role and where it must be granted on a 403', () => {
    const error = explainAzureError(rest(403, 'AuthorizationFailed'), {
      ...ws,
      role: 'AzureML Data Scientist',
    });
    expect(error).toBeInstanceOf(AzureError);
    expect(error.message).toBe(
      'register mm-a-0123456789ab on workspace mm-dev-mlw failed: role assignment missing: AzureML Data Scientist ' +
        'on workspace mm-dev-mlw (HTTP 403 AuthorizationFailed service said no)',
    );
    expect(error.status).toBe(403);
    expect(error.code).toBe('AuthorizationFailed');
    expect(error.resource).toBe('workspace mm-dev-mlw');
  });

  it('points a 404 at the environment file and the stack outputs', () => {
    expect(explainAzureError(rest(404, 'ResourceNotFound'), ws).message).toContain(
      'workspace mm-dev-mlw not found: check subscription, resource group and names in environments/<env>.yaml',
    );
  });

  it('tells to sign in again on a 401 and on a missing credential', () => {
    expect(explainAzureError(rest(401, 'InvalidAuthenticationToken'), ws).message).toContain('`az login`');
    const unavailable = new Error('DefaultAzureCredential failed to retrieve a token');
    unavailable.name = 'CredentialUnavailableError';
    expect(explainAzureError(unavailable, ws).message).toContain(
      'no Azure credential is available: run `az login`',
    );
  });

  it('says throttling and server errors persisted after retries', () => {
    expect(explainAzureError(rest(429, 'TooManyRequests'), ws).message).toContain(
      'throttled by Azure on workspace mm-dev-mlw even after retries honouring Retry-After',
    );
    expect(explainAzureError(rest(500, 'InternalServerError'), ws).message).toContain(
      '(HTTP 500) even after retries',
    );
  });

  it('reports a timeout with its bound', () => {
    const abort = new Error('The operation was aborted.');
    abort.name = 'AbortError';
    expect(explainAzureError(abort, { ...ws, timeoutMs: 30_000 }).message).toContain('timed out after 30s');
  });

  it('keeps an AzureError as it is and keeps the cause', async () => {
    const original = rest(409, 'Conflict');
    const error = await azureCall(ws, () => Promise.reject(original)).catch((e: unknown) => e as AzureError);
    expect(error.cause).toBe(original);
    expect(explainAzureError(error, { ...ws, resource: 'other' })).toBe(error);
  });
});
