import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { selfSignedCertificate } from '../tls.ts';
import type { ArmGate } from './arm-gate.ts';
import { conforms, type Exchange, loadExchange, matchPath, missingRequired, shaped } from './spec-check.ts';

const OPERATIONS = [
  'ModelContainers_List',
  'ModelContainers_Get',
  'ModelContainers_CreateOrUpdate',
  'ModelVersions_Get',
  'ModelVersions_CreateOrUpdate',
  'Datastores_Get',
  'Jobs_Get',
  'Jobs_CreateOrUpdate',
  'EnvironmentVersions_CreateOrUpdate',
  'CodeVersions_CreateOrUpdate',
  'ComponentVersions_CreateOrUpdate',
] as const;
export type OperationId = (typeof OPERATIONS)[number];

export interface Fault {
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  code?: string;
  message?: string;
  /** Hold the answer this long (a stalled service; the client's timeout should fire first). */
  delayMs?: number;
}

export interface Logged {
  operationId: OperationId;
  /** The twin principal that called ('dev/training'), when the server checks identities. */
  principal?: string;
  method: string;
  path: string;
  status: number;
  body: unknown;
  at: number;
}

export interface Reply {
  status: number;
  body?: unknown;
}

type Json = Record<string, unknown>;
export type Handler = (ctx: {
  params: Record<string, string>;
  body: Json;
  query: URLSearchParams;
  ws: string;
}) => Reply;

/**
 * A local HTTPS stand-in for Azure Resource Manager's Azure ML endpoints, built from the REST specification's
 * examples: it refuses (and records) any request whose path, api-version or body the spec would not accept,
 * answers with the examples' response shapes, and can inject faults (429 with Retry-After, 500) per operation.
 */
export class SpecServer {
  readonly exchanges = new Map<OperationId, Exchange>(OPERATIONS.map((op) => [op, loadExchange(op)]));
  readonly log: Logged[] = [];
  readonly problems: string[] = [];
  readonly token: string;
  readonly workspaces: Set<string>;
  #faults = new Map<OperationId, Fault[]>();
  #handlers = new Map<OperationId, Handler>();
  #server: Server | undefined;
  #cert: { key: string; cert: string };
  endpoint = '';

  readonly latencyMs: number;
  /** Identity, role and throttling checks (the twin); without it, one static token is the only caller. */
  readonly gate: ArmGate | undefined;

  constructor(options: {
    workspaces: string[];
    token?: string;
    latencyMs?: number;
    gate?: ArmGate;
    /** The twin's certificate, shared by its services so a client trusts one CA. */
    tls?: { key: string; cert: string };
  }) {
    this.#cert = options.tls ?? selfSignedCertificate();
    this.workspaces = new Set(options.workspaces);
    this.token = options.token ?? 'test-token';
    this.latencyMs = options.latencyMs ?? 0;
    this.gate = options.gate;
  }

  get ca(): string {
    return this.#cert.cert;
  }

  handle(operationId: OperationId, handler: Handler): void {
    this.#handlers.set(operationId, handler);
  }

  /** The next requests to this operation get these answers, in order, before normal handling resumes. */
  fail(operationId: OperationId, ...faults: Fault[]): void {
    this.#faults.set(operationId, [...(this.#faults.get(operationId) ?? []), ...faults]);
  }

  calls(operationId?: OperationId): Logged[] {
    return operationId ? this.log.filter((l) => l.operationId === operationId) : this.log;
  }

  /** A response body in the example's shape (members it lacks are refused, bar its readOnlyMembers). */
  shape(operationId: OperationId, status: number, value: unknown): unknown {
    const exchange = this.exchanges.get(operationId)!;
    const example = exchange.responses[String(status)];
    return shaped(example, value, exchange.readOnlyMembers ?? {}, '', exchange.dictionaries, {
      ...exchange.variants,
      ...exchange.responseVariants,
    } as Record<string, unknown>);
  }

  async start(): Promise<this> {
    this.#server = createServer({ key: this.#cert.key, cert: this.#cert.cert }, (req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        this.problems.push(`server error: ${(error as Error).message}`);
        send(res, 500, armError('InternalServerError', (error as Error).message));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `https://127.0.0.1:${(this.#server!.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    const text = await readBody(req);
    // Azure Resource Manager answers in tens of milliseconds at best; benchmarks set this to see concurrency pay.
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const body = text ? (JSON.parse(text) as Json) : {};
    const route = this.#route(req.method ?? 'GET', url.pathname);
    if (!route) {
      this.problems.push(`${req.method} ${url.pathname}: no operation of the spec has this method and path`);
      return send(res, 404, armError('NoRoute', 'no such operation'));
    }
    const { operationId, exchange, params } = route;
    let principal: string | undefined;
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      this.log.push({
        operationId,
        principal,
        method: req.method ?? '',
        path: url.pathname,
        status,
        body,
        at: Date.now(),
      });
      send(res, status, payload, headers);
    };
    const problems = this.#check(req, url, exchange, body, text);
    if (problems.length > 0) {
      this.problems.push(...problems.map((p) => `${operationId}: ${p}`));
      return reply(400, armError('BadRequest', problems.join('; ')));
    }
    if (this.gate) {
      const answer = this.gate.check({
        authorization: req.headers.authorization,
        method: req.method ?? 'GET',
        operationId,
        resourceId: url.pathname,
      });
      principal = answer.principal?.name;
      if (!answer.ok) {
        const headers: Record<string, string> =
          answer.retryAfter !== undefined ? { 'retry-after': String(answer.retryAfter) } : {};
        return reply(answer.status, armError(answer.code, answer.message), headers);
      }
    } else if (req.headers.authorization !== `Bearer ${this.token}`) {
      return reply(401, armError('InvalidAuthenticationToken', 'the access token is missing or invalid'));
    }
    const ws = `${params.resourceGroupName}/${params.workspaceName}`;
    if (!this.workspaces.has(ws)) {
      return reply(404, armError('ResourceNotFound', `workspace ${ws} was not found`));
    }
    const fault = this.#faults.get(operationId)?.shift();
    if (fault) {
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      const headers: Record<string, string> =
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      return reply(
        fault.status,
        armError(fault.code ?? `Status${fault.status}`, fault.message ?? 'injected fault'),
        headers,
      );
    }
    const handler = this.#handlers.get(operationId);
    if (!handler) return reply(501, armError('NotImplemented', `${operationId} has no handler in this test`));
    const out = handler({ params, body, query: url.searchParams, ws });
    const payload = out.status < 300 ? this.shape(operationId, out.status, out.body) : out.body;
    reply(out.status, payload);
  }

  #route(method: string, pathname: string) {
    for (const [operationId, exchange] of this.exchanges) {
      if (exchange.method !== method || !exchange.path) continue;
      const params = matchPath(exchange.path, pathname);
      if (params) return { operationId, exchange, params };
    }
    return undefined;
  }

  #check(req: IncomingMessage, url: URL, exchange: Exchange, body: Json, text: string): string[] {
    const problems: string[] = [];
    const version = url.searchParams.get('api-version');
    if (version !== exchange.apiVersion)
      problems.push(`api-version is '${version}', the spec says '${exchange.apiVersion}'`);
    for (const key of url.searchParams.keys()) {
      if (!['api-version', '$skip'].includes(key))
        problems.push(`query parameter '${key}' is not expected here`);
    }
    if (exchange.requestBody === null || exchange.requestBody === undefined) {
      if (text) problems.push('a body was sent where the operation takes none');
      return problems;
    }
    if (!String(req.headers['content-type']).startsWith('application/json'))
      problems.push('body is not JSON');
    problems.push(
      ...conforms(
        body,
        exchange.requestBody,
        (exchange.variants ?? {}) as Record<string, unknown>,
        '',
        exchange.dictionaries,
      ),
    );
    problems.push(...missingRequired(body, exchange.required));
    return problems;
  }
}

export function armError(code: string, message: string): Json {
  // The ARM ErrorResponse shape (exchanges/ErrorResponse.json).
  return { error: { code, message } };
}

function send(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-ms-request-id': 'spec-server',
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
