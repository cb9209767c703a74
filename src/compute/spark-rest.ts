import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  RestError,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from '../azure/credential.ts';

/** How to reach a Spark service's REST API (Databricks workspace, Synapse development endpoint), and how patiently. */
export interface SparkRestOptions {
  /** Injected sign-in (tests); production uses `azureCredential()` (DefaultAzureCredential: no PATs, no keys). */
  credential?: TokenCredential;
  /** Extra trusted CA (PEM) for the endpoint: a test server's certificate, or an inspecting proxy's. */
  ca?: string;
  /** Retries per HTTP request on 429 (after its Retry-After), 408 and 5xx, with exponential back-off. */
  maxRetries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Bound for one HTTP request. */
  requestTimeoutMs?: number;
}

/** What a failed call was, in words, so its error says what to do (e.g. which role is missing, where). */
export interface SparkCallContext {
  service: string;
  operation: string;
  /** The permission a 401/403 means is missing, and where it must be granted. */
  permission: string;
}

export class SparkServiceError extends Error {
  override readonly name = 'SparkServiceError';
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(message: string, status?: number, code?: string, cause?: unknown) {
    super(message, { cause });
    this.status = status;
    this.code = code;
  }
}

/**
 * A JSON client over the Azure SDK's HTTP pipeline (its retry policy honours Retry-After; its bearer policy
 * fetches and refreshes Entra tokens for `scope` and refuses plain http), shared by the Databricks and Synapse
 * submitters.
 */
export class SparkRestClient {
  readonly #pipeline: Pipeline;
  readonly #http: HttpClient;
  readonly #timeout: number;
  readonly baseUrl: string;

  constructor(baseUrl: string, scope: string, options: SparkRestOptions = {}) {
    this.baseUrl = baseUrl;
    const pipeline = createPipelineFromOptions({
      tlsOptions: options.ca ? { ca: options.ca } : undefined,
      userAgentOptions: { userAgentPrefix: 'many-models' },
      retryOptions: {
        maxRetries: options.maxRetries ?? 4,
        retryDelayInMs: options.retryDelayMs ?? 800,
        maxRetryDelayInMs: options.maxRetryDelayMs ?? 60_000,
      },
    });
    pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({
        credential: azureCredential({ credential: options.credential }),
        scopes: scope,
      }),
    );
    this.#pipeline = pipeline;
    this.#http = createDefaultHttpClient();
    this.#timeout = options.requestTimeoutMs ?? 60_000;
  }

  async call<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    context: SparkCallContext,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    const request = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders({ accept: 'application/json' }),
      timeout: this.#timeout,
      abortSignal: signal,
    });
    if (body !== undefined) {
      request.headers.set('content-type', 'application/json; charset=utf-8');
      request.body = JSON.stringify(body);
    }
    let status: number;
    let text: string;
    try {
      const response = await this.#pipeline.sendRequest(this.#http, request);
      status = response.status;
      text = response.bodyAsText ?? '';
    } catch (error) {
      if (error instanceof RestError && error.statusCode !== undefined) {
        status = error.statusCode;
        text = error.response?.bodyAsText ?? error.message;
      } else {
        const reason = error instanceof Error ? error.message : String(error);
        throw new SparkServiceError(
          `${context.service}: ${context.operation} failed: ${reason} (${method} ${url})`,
          undefined,
          undefined,
          error,
        );
      }
    }
    const parsed = parseJson(text);
    if (status >= 200 && status < 300) return parsed as T;
    throw new SparkServiceError(explain(context, status, parsed, text), status, codeOf(parsed));
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Databricks answers `{error_code, message}`; Synapse `{error: {code, message}}` or `{code, message}`. */
function codeOf(body: unknown): string | undefined {
  const b = body as { error_code?: string; code?: string; error?: { code?: string } } | undefined;
  return b?.error_code ?? b?.error?.code ?? b?.code;
}

function messageOf(body: unknown, text: string): string {
  const b = body as { message?: string; error?: { message?: string } } | undefined;
  return b?.message ?? b?.error?.message ?? text.slice(0, 300);
}

function explain(context: SparkCallContext, status: number, body: unknown, text: string): string {
  const head = `${context.service}: ${context.operation} failed with HTTP ${status}`;
  const code = codeOf(body);
  const detail = `${code ? `${code}: ` : ''}${messageOf(body, text)}`;
  if (status === 401)
    return `${head}: not signed in or token rejected (${detail}); sign in (az login) or check the identity`;
  if (status === 403) return `${head}: permission missing: ${context.permission} (${detail})`;
  if (status === 429) return `${head}: throttled and still throttled after retries (${detail})`;
  return `${head}: ${detail}`;
}
