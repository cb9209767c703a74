/**
 * Every failed Azure call ends here: the SDK's error (a RestError, an identity error, an abort) becomes an
 * `AzureError` that says which resource, which operation and what to do about it, e.g.
 * "role assignment missing: Storage Blob Data Contributor on mmdevlake" for a 403 AuthorizationPermissionMismatch.
 */
export type AzureService = 'storage' | 'arm' | 'sql' | 'identity';

export interface AzureCallContext {
  service: AzureService;
  /** The resource in words, e.g. "storage account mmdevlake" or "workspace mm-dev-mlw". */
  resource: string;
  /** What was being done, e.g. "upload prepared/bucket=001/part.parquet". */
  operation: string;
  /** The RBAC role the caller needs for this operation, named in a 403 message. */
  role?: string;
  /** Where the role must be granted (defaults to `resource`). */
  scope?: string;
  timeoutMs?: number;
}

export class AzureError extends Error {
  override readonly name = 'AzureError';
  readonly resource: string;
  readonly operation: string;
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(
    message: string,
    details: { resource: string; operation: string; status?: number; code?: string; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.resource = details.resource;
    this.operation = details.operation;
    this.status = details.status;
    this.code = details.code;
  }
}

interface ErrorFacts {
  status?: number;
  code?: string;
  message: string;
  name: string;
}

function facts(error: unknown): ErrorFacts {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error' };
  const e = error as Error & { statusCode?: number; code?: string; details?: { errorCode?: string } };
  // Storage puts the service's error code in details.errorCode and the transport code (ECONNREFUSED) in code.
  const code = e.details?.errorCode ?? (typeof e.code === 'string' ? e.code : undefined);
  return { status: e.statusCode, code, message: firstLine(e.message), name: e.name };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))}s` : `${Math.round(ms / 1000)}s`;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN']);

function hint(f: ErrorFacts, ctx: AzureCallContext): string {
  const scope = ctx.scope ?? ctx.resource;
  if (f.name === 'CredentialUnavailableError' || f.name === 'AggregateAuthenticationError') {
    return (
      'no Azure credential is available: run `az login` on a laptop; in Azure DevOps use a workload identity ' +
      'service connection; on a cluster assign a managed identity'
    );
  }
  if (f.name === 'AbortError' || f.name === 'TimeoutError') {
    const after = ctx.timeoutMs ? ` after ${seconds(ctx.timeoutMs)}` : '';
    return `timed out${after}: Azure did not answer in time (raise the timeout or check the network)`;
  }
  if (f.name === 'AuthenticationError' || ctx.service === 'identity') {
    return 'could not get an Azure token: run `az login` again, or check the tenant and the identity';
  }
  if (ctx.service === 'sql') {
    if (f.code === 'ELOGIN') {
      return (
        `login refused by ${ctx.resource}: the identity needs to be a Synapse SQL administrator (or have a ` +
        'login and database user) to create the database and views'
      );
    }
    if (f.code === 'ETIMEOUT')
      return `timed out reaching ${ctx.resource}: the serverless pool may be waking up; retry`;
    if (f.code === 'ESOCKET')
      return `cannot reach ${ctx.resource}: check synapse.server and the firewall rules`;
  }
  if (f.code && NETWORK_CODES.has(f.code)) {
    return `cannot reach ${ctx.resource} (${f.code}): check the endpoint in environments/<env>.yaml and the network`;
  }
  switch (f.status) {
    case 401:
      return 'the Azure token was rejected: sign in again (`az login`) or check that the tenant is right';
    case 403:
      if (ctx.service === 'storage' && f.code === 'AuthenticationFailed') {
        return `authentication failed against ${ctx.resource}: the credential is not valid for this account`;
      }
      if (
        f.code === 'AuthorizationPermissionMismatch' ||
        f.code === 'AuthorizationFailed' ||
        f.code === 'AuthorizationFailure' ||
        ctx.role
      ) {
        return `role assignment missing: ${ctx.role ?? 'a data-plane role'} on ${scope}`;
      }
      return `access denied on ${scope}`;
    case 404:
      if (f.code === 'ContainerNotFound') {
        return `container not found in ${ctx.resource}: create it (the Pulumi program does) or fix storage.container`;
      }
      return (
        `${ctx.resource} not found: check subscription, resource group and names in environments/<env>.yaml ` +
        'against the Pulumi stack outputs'
      );
    case 409:
      return `conflict on ${ctx.resource}: it changed while this ran; re-run the step`;
    case 429:
      return `throttled by Azure on ${ctx.resource} even after retries honouring Retry-After: lower the concurrency`;
    default:
      if (f.status !== undefined && f.status >= 500) {
        return `Azure failed on ${ctx.resource} (HTTP ${f.status}) even after retries: try again later`;
      }
      return 'unexpected error';
  }
}

/** Wraps any error from an Azure call into an `AzureError` naming the resource, the operation and the fix. */
export function explainAzureError(error: unknown, ctx: AzureCallContext): AzureError {
  if (error instanceof AzureError) return error;
  const f = facts(error);
  const status = f.status !== undefined ? `HTTP ${f.status}` : undefined;
  const detail = [status, f.code, f.message].filter((x) => x !== undefined && x !== '').join(' ');
  return new AzureError(`${ctx.operation} on ${ctx.resource} failed: ${hint(f, ctx)} (${detail})`, {
    resource: ctx.resource,
    operation: ctx.operation,
    status: f.status,
    code: f.code,
    cause: error,
  });
}

/** True when the error is an HTTP 404 from Azure (a missing blob, model or job). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as Error & { statusCode?: number }).statusCode === 404;
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof Error ? (error as Error & { statusCode?: number }).statusCode : undefined;
}

/** Runs one Azure call and explains its failure. */
export async function azureCall<T>(ctx: AzureCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainAzureError(error, ctx);
  }
}
