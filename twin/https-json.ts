import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './tls.ts';

export interface JsonReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface JsonRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** The bearer token, when the request carried one. */
  token: string | undefined;
}

/**
 * A loopback HTTPS server answering JSON, for the Spark service simulators: the Azure SDK sends bearer tokens
 * only over TLS, so the simulators speak it with a throw-away certificate that clients trust through `ca`.
 */
export class HttpsJsonServer {
  readonly ca: string;
  readonly #server: Server;
  #url = '';

  constructor(handle: (request: JsonRequest) => JsonReply | Promise<JsonReply>) {
    const { key, cert } = selfSignedCertificate();
    this.ca = cert;
    this.#server = createServer({ key, cert, minVersion: 'TLSv1.2' }, (req, res) => {
      void serve(req, res, handle);
    });
  }

  get url(): string {
    return this.#url;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/**
 * A simulated JSON service: the HTTPS server, its certificate and a log of every request with the status it got,
 * so a test can ask what the client called and how often it was refused. Subclasses only answer requests.
 */
export abstract class RecordingJsonService {
  readonly requests: RecordedRequest[] = [];
  readonly #server: HttpsJsonServer;

  constructor() {
    this.#server = new HttpsJsonServer(async (request) => {
      const reply = await this.answer(request);
      this.requests.push({
        method: request.method,
        path: request.path,
        status: reply.status,
        body: request.body,
      });
      return reply;
    });
  }

  protected abstract answer(request: JsonRequest): JsonReply | Promise<JsonReply>;

  get ca(): string {
    return this.#server.ca;
  }

  /** Empty until started. */
  get url(): string {
    return this.#server.url;
  }

  start(): Promise<string> {
    return this.#server.start();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handle: (request: JsonRequest) => JsonReply | Promise<JsonReply>,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'https://localhost');
  const auth = req.headers.authorization;
  let reply: JsonReply;
  try {
    const body = text ? JSON.parse(text) : undefined;
    reply = await handle({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body,
      token: auth?.startsWith('Bearer ') ? auth.slice(7) : undefined,
    });
  } catch (error) {
    reply = { status: 400, body: { error_code: 'MALFORMED_REQUEST', message: (error as Error).message } };
  }
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
}
