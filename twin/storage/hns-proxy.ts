import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import { bearerOf, STORAGE_AUDIENCE, type TokenIssuer } from '../identity/tokens.ts';
import type { TwinEstate } from '../rbac/estate.ts';

/**
 * The twin's ADLS Gen2 accounts: Azurite behind a proxy that adds what a hierarchical-namespace account does and
 * plain Blob storage does not, and checks each request against the caller's role assignments.
 *
 * Hierarchical namespace ("Known issues with Azure Data Lake Storage", https://learn.microsoft.com/en-us/azure/storage/blobs/data-lake-storage-known-issues,
 * section Blob storage APIs; "Azure Data Lake Storage hierarchical namespace",
 * https://learn.microsoft.com/en-us/azure/storage/blobs/data-lake-storage-namespace):
 * - directories are real objects: writing `a/b/c` creates directories `a` and `a/b`, and a flat List Blobs returns
 *   them as zero-length blobs with metadata `hdi_isfolder=true`;
 * - Delete Blob on a directory deletes it only if it is empty; a non-empty one fails with 409 DirectoryIsNotEmpty
 *   (the Blob API has no recursive delete; Path - Delete without recursive=true fails the same way,
 *   https://learn.microsoft.com/en-us/rest/api/storageservices/datalakestoragegen2/path/delete).
 *
 * Authorisation ("Authorize access to blobs using Microsoft Entra ID", section Permissions for calling data
 * operations, https://learn.microsoft.com/en-us/rest/api/storageservices/authorize-with-azure-active-directory):
 * Get Blob, Get Blob Properties and List Blobs need `.../blobs/read`; Put Blob / Put Block / Put Block List need
 * `.../blobs/write`; Delete Blob needs `.../blobs/delete`, on the container or above. A caller without it gets 403
 * AuthorizationPermissionMismatch.
 */
export interface StorageCall {
  principal: string;
  account: string;
  container: string;
  method: string;
  operation: string;
  status: number;
}

interface Target {
  account: string;
  container: string;
  blob: string;
}

const BLOBS = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';
const CONTAINERS = 'Microsoft.Storage/storageAccounts/blobServices/containers';
const VERSION = '2025-01-05';

export class HnsProxy {
  readonly log: StorageCall[] = [];
  readonly #estate: TwinEstate;
  readonly #issuer: TokenIssuer;
  readonly #upstream: { url: URL; ca: string };
  readonly #tls: { key: string; cert: string };
  readonly #serviceToken: () => string;
  readonly #directories = new Set<string>();
  #server: Server | undefined;
  endpoint = '';

  constructor(options: {
    estate: TwinEstate;
    issuer: TokenIssuer;
    upstream: string;
    tls: { key: string; cert: string };
  }) {
    this.#estate = options.estate;
    this.#issuer = options.issuer;
    this.#upstream = { url: new URL(options.upstream), ca: options.tls.cert };
    this.#tls = options.tls;
    const service = { principalId: 'twin-storage-service', clientId: 'twin-storage-service' };
    this.#serviceToken = () => this.#issuer.issue(service, STORAGE_AUDIENCE);
  }

  /** The blob endpoint of an account behind the proxy, path-style as Azurite serves it. */
  accountUrl(account: string): string {
    return `${this.endpoint}/${account}`;
  }

  async start(): Promise<this> {
    this.#server = createServer({ key: this.#tls.key, cert: this.#tls.cert }, (req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) storageError(res, 500, 'InternalError', (error as Error).message);
        else res.destroy();
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

  /** Creates a container (what the Pulumi program does); not subject to the callers' role checks. */
  async createContainer(account: string, container: string): Promise<void> {
    const { status, body } = await this.#upstreamCall('PUT', `/${account}/${container}?restype=container`);
    if (status !== 201 && status !== 409) {
      throw new Error(`cannot create container ${account}/${container}: ${status} ${body}`);
    }
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = pathStyle(new URL(req.url ?? '/', this.endpoint), req.headers.host);
    const target = targetOf(url);
    const method = req.method ?? 'GET';
    const operation = operationOf(method, url, target);
    const token = bearerOf(req.headers.authorization);
    const verified = token ? this.#issuer.verify(token, STORAGE_AUDIENCE) : { problem: 'no bearer token' };
    const principal = 'claims' in verified ? this.#estate.byPrincipalId(verified.claims.oid) : undefined;
    const record = (status: number) =>
      this.log.push({
        principal: principal?.name ?? '(anonymous)',
        account: target.account,
        container: target.container,
        method,
        operation: operation.name,
        status,
      });
    if (!('claims' in verified) || !principal) {
      record(401);
      await drain(req);
      return storageError(
        res,
        401,
        'InvalidAuthenticationInfo',
        'problem' in verified ? verified.problem : 'unknown principal',
      );
    }
    const env = this.#estate.environmentOfAccount(target.account);
    const scope =
      env && target.container ? this.#estate.containerId(env, target.container, target.account) : '';
    const decision = scope
      ? this.#estate.authorize(principal.principalId, operation.permission, scope, target.blob)
      : { allowed: false };
    if (!decision.allowed) {
      record(403);
      await drain(req);
      return storageError(
        res,
        403,
        'AuthorizationPermissionMismatch',
        `This request is not authorized to perform this operation using this permission. (${principal.name} has no role granting ${operation.permission.dataAction ?? operation.permission.action} on ${target.account}/${target.container})`,
      );
    }
    if (operation.name === 'DeleteBlob' && (await this.#isNonEmptyDirectory(target))) {
      record(409);
      await drain(req);
      return storageError(
        res,
        409,
        'DirectoryIsNotEmpty',
        'The recursive query parameter value must be true to delete a non-empty directory.',
      );
    }
    // The parents exist before the write is acknowledged, as they do in an HNS account.
    if (operation.name === 'PutBlob' || operation.name === 'PutBlockList') await this.#ensureParents(target);
    const status = await this.#forward(req, res, url);
    record(status);
    if (status < 300 && operation.name === 'DeleteBlob') this.#directories.delete(key(target));
  }

  #forward(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.#upstream.url.host };
      const upstream = request(
        {
          hostname: this.#upstream.url.hostname,
          port: this.#upstream.url.port,
          method: req.method,
          path: url.pathname + url.search,
          headers,
          ca: this.#upstream.ca,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve(answer.statusCode ?? 502));
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      req.pipe(upstream);
    });
  }

  async #isNonEmptyDirectory(target: Target): Promise<boolean> {
    const path = `/${target.account}/${target.container}/${encodeBlob(target.blob)}`;
    const head = await this.#upstreamCall('HEAD', path);
    if (head.status !== 200 || head.headers['x-ms-meta-hdi_isfolder'] !== 'true') return false;
    const prefix = encodeURIComponent(`${target.blob}/`);
    const list = await this.#upstreamCall(
      'GET',
      `/${target.account}/${target.container}?restype=container&comp=list&maxresults=1&prefix=${prefix}`,
    );
    return /<Blob>/.test(list.body);
  }

  /** What an HNS account does on every write: the file's parent directories exist afterwards. */
  async #ensureParents(target: Target): Promise<void> {
    const parts = target.blob.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = { ...target, blob: parts.slice(0, i).join('/') };
      if (this.#directories.has(key(dir))) continue;
      const path = `/${dir.account}/${dir.container}/${encodeBlob(dir.blob)}`;
      const head = await this.#upstreamCall('HEAD', path);
      if (head.status === 404) {
        const made = await this.#upstreamCall('PUT', path, {
          'x-ms-blob-type': 'BlockBlob',
          'x-ms-meta-hdi_isfolder': 'true',
          'content-length': '0',
        });
        if (made.status !== 201)
          throw new Error(`directory ${key(dir)} not created: ${made.status} ${made.body}`);
      }
      this.#directories.add(key(dir));
    }
  }

  async #upstreamCall(
    method: string,
    path: string,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const call = request(
        {
          hostname: this.#upstream.url.hostname,
          port: this.#upstream.url.port,
          method,
          path,
          ca: this.#upstream.ca,
          headers: {
            authorization: `Bearer ${this.#serviceToken()}`,
            'x-ms-version': VERSION,
            'x-ms-date': new Date().toUTCString(),
            ...extra,
          },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 0,
              headers: answer.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
        },
      );
      call.on('error', reject);
      call.end();
    });
  }
}

function key(t: Target): string {
  return `${t.account}/${t.container}/${t.blob}`;
}

function encodeBlob(blob: string): string {
  return blob.split('/').map(encodeURIComponent).join('/');
}

/**
 * Requests reaching the proxy under the account's own host name (https://<account>.blob.core.windows.net/<container>,
 * through the twin's router) become Azurite's path-style URLs (/<account>/<container>).
 */
function pathStyle(url: URL, host: string | undefined): URL {
  const account = /^([a-z0-9]{3,24})\.blob\.core\.windows\.net(:\d+)?$/.exec(host ?? '')?.[1];
  if (!account) return url;
  const out = new URL(url);
  out.pathname = `/${account}${url.pathname}`;
  return out;
}

function targetOf(url: URL): Target {
  const [account = '', container = '', ...rest] = url.pathname.replace(/^\//, '').split('/');
  return { account, container, blob: rest.map(decodeURIComponent).join('/') };
}

function operationOf(
  method: string,
  url: URL,
  target: Target,
): { name: string; permission: { action?: string; dataAction?: string } } {
  const comp = url.searchParams.get('comp');
  const restype = url.searchParams.get('restype');
  if (!target.blob) {
    if (restype === 'container' && comp === 'list')
      return { name: 'ListBlobs', permission: { dataAction: `${BLOBS}/read` } };
    if (method === 'PUT') return { name: 'CreateContainer', permission: { action: `${CONTAINERS}/write` } };
    if (method === 'DELETE')
      return { name: 'DeleteContainer', permission: { action: `${CONTAINERS}/delete` } };
    return { name: 'GetContainerProperties', permission: { action: `${CONTAINERS}/read` } };
  }
  if (method === 'GET' || method === 'HEAD') {
    return {
      name: comp === 'blocklist' ? 'GetBlockList' : 'GetBlob',
      permission: { dataAction: `${BLOBS}/read` },
    };
  }
  if (method === 'DELETE') return { name: 'DeleteBlob', permission: { dataAction: `${BLOBS}/delete` } };
  const name =
    comp === 'block' ? 'PutBlock' : comp === 'blocklist' ? 'PutBlockList' : comp ? `Put-${comp}` : 'PutBlob';
  return { name, permission: { dataAction: `${BLOBS}/write` } };
}

function storageError(res: ServerResponse, status: number, code: string, message: string): void {
  // The Blob service error body: <Error><Code/><Message/></Error>, code also in x-ms-error-code.
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
  res.end(
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard the body of a refused request
  }
}
