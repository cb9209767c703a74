import {
  type AccessToken,
  AzurePipelinesCredential,
  ChainedTokenCredential,
  DefaultAzureCredential,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { explainAzureError } from './errors.ts';

/**
 * One way to sign in, everywhere, and no keys:
 * - laptop: `az login`, picked up by DefaultAzureCredential (Azure CLI);
 * - Azure DevOps: a workload identity federation service connection. Inside AzureCLI@2 the CLI is signed in
 *   already; when the task exposes the connection (AZURESUBSCRIPTION_* variables) and the pipeline maps
 *   SYSTEM_ACCESSTOKEN, AzurePipelinesCredential is tried first, which needs no CLI at all;
 * - cluster (AML compute, AKS): managed identity or workload identity, both inside DefaultAzureCredential.
 */
export interface CredentialOptions {
  /** Tests (and callers with their own sign-in) inject a credential; everything else uses the chain below. */
  credential?: TokenCredential;
  /** Upper bound for getting one token (the Azure CLI can hang when its session is stale). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TOKEN_TIMEOUT_MS = 60_000;

export function pipelinesCredential(env: NodeJS.ProcessEnv): TokenCredential | undefined {
  const tenantId = env.AZURESUBSCRIPTION_TENANT_ID;
  const clientId = env.AZURESUBSCRIPTION_CLIENT_ID;
  const connectionId = env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID;
  const systemAccessToken = env.SYSTEM_ACCESSTOKEN;
  // The credential itself reads SYSTEM_OIDCREQUESTURI from process.env; every pipeline job has it.
  if (!tenantId || !clientId || !connectionId || !systemAccessToken || !process.env.SYSTEM_OIDCREQUESTURI) {
    return undefined;
  }
  return new AzurePipelinesCredential(tenantId, clientId, connectionId, systemAccessToken);
}

/** The credential every Azure adapter uses unless one is injected. */
export function azureCredential(options: CredentialOptions = {}): TokenCredential {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  if (options.credential) return withTokenTimeout(options.credential, timeoutMs);
  const env = options.env ?? process.env;
  const fallback = new DefaultAzureCredential({ processTimeoutInMs: timeoutMs });
  const pipelines = pipelinesCredential(env);
  const chain = pipelines ? new ChainedTokenCredential(pipelines, fallback) : fallback;
  return withTokenTimeout(chain, timeoutMs);
}

/** Bounds every token request so a stuck sign-in fails with a message instead of hanging a pipeline. */
export function withTokenTimeout(inner: TokenCredential, timeoutMs: number): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
      const ctx = {
        service: 'identity' as const,
        resource: `token for ${scope}`,
        operation: 'sign in',
        timeoutMs,
      };
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new Error(`no token within ${timeoutMs} ms`);
          error.name = 'TimeoutError';
          reject(error);
        }, timeoutMs);
        timer.unref();
      });
      try {
        return await Promise.race([inner.getToken(scopes, options), expired]);
      } catch (error) {
        throw explainAzureError(error, ctx);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A credential that always returns the same token: for tests against emulators and recorded exchanges. */
export function staticTokenCredential(token = 'test-token'): TokenCredential {
  return {
    async getToken() {
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
