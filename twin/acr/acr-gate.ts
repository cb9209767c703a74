import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import { jwtVerify, SignJWT } from 'jose';
import { ARM_AUDIENCE, bearerOf, type TokenIssuer } from '../identity/tokens.ts';
import type { TwinEstate } from '../rbac/estate.ts';

/**
 * The twin's Azure Container Registries (dev and prod): one OCI distribution registry (./registry-process.ts)
 * behind this gate, which does what ACR adds to the Docker Registry v2 protocol
 * ("Azure Container Registry integration with Azure Active Directory", https://azure.github.io/acr/AAD-OAuth.html;
 * the Docker Registry v2 token authentication it follows, https://distribution.github.io/distribution/spec/auth/token/):
 * - `POST /oauth2/exchange` (grant_type=access_token, service, access_token): an Entra ID access token of the
 *   caller becomes an ACR refresh token for that registry;
 * - `POST /oauth2/token` (grant_type=refresh_token, service, scope, refresh_token), or `GET /oauth2/token?service=
 *   &scope=` with the refresh token as the password of user 00000000-0000-0000-0000-000000000000 (what
 *   `docker login` / buildah send after `az acr login --expose-token`): an access token carrying, per
 *   `repository:<name>:<actions>` scope, only the actions the caller's role assignments allow on the registry:
 *   pull needs `Microsoft.ContainerRegistry/registries/pull/read` (AcrPull), push needs `.../push/write` (AcrPush);
 * - `/v2/...`: a request without a token, or whose token lacks the action the method needs (GET/HEAD pull, any
 *   other push), gets 401 with the `WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge
 *   (`error="insufficient_scope"` when a token was given).
 * The registries share one upstream, each under its own name (`<registry>/<repository>`).
 */
export interface RegistryCall {
  principal: string;
  registry: string;
  method: string;
  path: string;
  status: number;
}

const NULL_USER = '00000000-0000-0000-0000-000000000000';
const ACR_AUDIENCE = 'https://containerregistry.azure.net';
const ACTIONS: Record<string, string> = {
  pull: 'Microsoft.ContainerRegistry/registries/pull/read',
  push: 'Microsoft.ContainerRegistry/registries/push/write',
};

interface Access {
  type: string;
  name: string;
  actions: string[];
}

export class AcrGate {
  readonly log: RegistryCall[] = [];
  readonly #estate: TwinEstate;
  readonly #issuer: TokenIssuer;
  readonly #upstream: URL;
  readonly #tls: { key: string; cert: string };
  readonly #key = new Uint8Array(randomBytes(32));
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
    this.#upstream = new URL(options.upstream);
    this.#tls = options.tls;
  }

  /** `<name>.azurecr.io` of the dev or prod registry. */
  loginServer(environment: 'dev' | 'prod'): string {
    return `${this.#estate.names[environment].containerRegistry}.azurecr.io`;
  }

  async start(): Promise<this> {
    this.#server = createServer({ key: this.#tls.key, cert: this.#tls.cert }, (req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) answer(res, 500, { errors: [{ code: 'UNKNOWN', message: String(error) }] });
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

  /**
   * An ACR refresh token for a principal, as the exchange would give it: for the twin's own image pulls on behalf
   * of a compute cluster's identity (the role check happens when it asks for an access token, as for anyone).
   */
  refreshTokenFor(principalId: string, login: string): Promise<string> {
    return this.#sign({ kind: 'refresh', sub: principalId }, login, 3 * 3600);
  }

  /** The registry's ARM resource id, the scope its role assignments are made on. */
  #registryId(name: string): string | undefined {
    const env = (['dev', 'prod'] as const).find((e) => this.#estate.names[e].containerRegistry === name);
    return env
      ? `${this.#estate.resourceGroupId(env)}/providers/Microsoft.ContainerRegistry/registries/${name}`
      : undefined;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = String(req.headers.host ?? '').split(':')[0]!;
    const registry = host.replace(/\.azurecr\.io$/, '');
    const url = new URL(req.url ?? '/', `https://${host}`);
    const record = (principal: string, status: number) =>
      this.log.push({ principal, registry, method: req.method ?? '', path: url.pathname, status });
    const registryId = this.#registryId(registry);
    if (!registryId) return void answer(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: host }] });
    if (url.pathname === '/oauth2/exchange') return this.#exchange(req, res, host, record);
    if (url.pathname === '/oauth2/token') return this.#token(req, res, url, host, registryId, record);
    if (!url.pathname.startsWith('/v2/')) return void answer(res, 404, {});

    const repository = /^\/v2\/(.+?)\/(blobs|manifests|tags)\//.exec(url.pathname)?.[1];
    const needed = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
    const token = bearerOf(req.headers.authorization);
    const claims = token ? await this.#verify(token, host, 'access') : undefined;
    const challenge = (scope?: string) => {
      const parts = [`realm="https://${host}/oauth2/token"`, `service="${host}"`];
      if (scope) parts.push(`scope="${scope}"`);
      if (claims) parts.push('error="insufficient_scope"');
      res.setHeader('www-authenticate', `Bearer ${parts.join(',')}`);
      record(String(claims?.sub ?? '(anonymous)'), 401);
      answer(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    };
    if (!claims) return challenge(repository ? `repository:${repository}:${needed}` : undefined);
    if (repository) {
      const access = (claims.access as Access[] | undefined) ?? [];
      const allowed = access.some(
        (a) => a.type === 'repository' && a.name === repository && a.actions.includes(needed),
      );
      if (!allowed) return challenge(`repository:${repository}:${needed}`);
    }
    await this.#forward(req, res, registry, url, (status) => record(String(claims.sub), status));
  }

  /** The Entra ID token of the caller (Resource Manager or ACR audience) for an ACR refresh token. */
  async #exchange(
    req: IncomingMessage,
    res: ServerResponse,
    host: string,
    record: (principal: string, status: number) => void,
  ): Promise<void> {
    const form = new URLSearchParams(await body(req));
    const aad = form.get('access_token') ?? '';
    const verified = [ARM_AUDIENCE, ACR_AUDIENCE]
      .map((aud) => this.#issuer.verify(aad, aud))
      .find((v) => 'claims' in v);
    if (form.get('grant_type') !== 'access_token' || form.get('service') !== host || !verified) {
      record('(anonymous)', 401);
      return void answer(res, 401, {
        errors: [{ code: 'UNAUTHORIZED', message: 'invalid AAD access token' }],
      });
    }
    const principal = (verified as { claims: { oid: string } }).claims.oid;
    const refresh = await this.#sign({ kind: 'refresh', sub: principal }, host, 3 * 3600);
    record(principal, 200);
    answer(res, 200, { refresh_token: refresh });
  }

  /** An ACR refresh token for an access token with the scopes' actions the caller's roles allow. */
  async #token(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    host: string,
    registryId: string,
    record: (principal: string, status: number) => void,
  ): Promise<void> {
    const form = req.method === 'POST' ? new URLSearchParams(await body(req)) : url.searchParams;
    let refresh = form.get('refresh_token') ?? undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!refresh && basic) {
      const [user, password] = Buffer.from(basic, 'base64').toString('utf8').split(/:(.*)/s);
      if (user === NULL_USER) refresh = password;
    }
    const claims = refresh ? await this.#verify(refresh, host, 'refresh') : undefined;
    if (!claims || (form.get('service') ?? host) !== host) {
      record('(anonymous)', 401);
      return void answer(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid refresh token' }] });
    }
    const principal = String(claims.sub);
    const access: Access[] = [];
    for (const scope of form.getAll('scope').flatMap((s) => s.split(' '))) {
      const match = /^repository:([^:]+):(.+)$/.exec(scope);
      if (!match) continue;
      const actions = match[2]!
        .split(',')
        .filter(
          (a) => ACTIONS[a] && this.#estate.authorize(principal, { action: ACTIONS[a] }, registryId).allowed,
        );
      access.push({ type: 'repository', name: match[1]!, actions });
    }
    const token = await this.#sign({ kind: 'access', sub: principal, access }, host, 3600);
    record(principal, 200);
    answer(res, 200, { access_token: token, token });
  }

  async #sign(claims: Record<string, unknown>, audience: string, lifetimeS: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeS}s`)
      .sign(this.#key);
  }

  async #verify(token: string, audience: string, kind: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { audience });
      return payload.kind === kind ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  /** The request to the upstream registry under `<registry>/`, its Location answers brought back. */
  async #forward(
    req: IncomingMessage,
    res: ServerResponse,
    registry: string,
    url: URL,
    done: (status: number) => void,
  ): Promise<void> {
    const path = url.pathname === '/v2/' ? '/v2/' : `/v2/${registry}/${url.pathname.slice(4)}`;
    const headers = { ...req.headers, host: this.#upstream.host };
    delete headers.authorization;
    await new Promise<void>((resolve, reject) => {
      const upstream = request(
        {
          host: this.#upstream.hostname,
          port: this.#upstream.port,
          method: req.method,
          path: path + url.search,
          headers,
        },
        (answer) => {
          const out = { ...answer.headers };
          if (typeof out.location === 'string')
            out.location = out.location.replace(new RegExp(`^(https?://[^/]+)?/v2/${registry}/`), '/v2/');
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
          answer.on('end', () => {
            done(answer.statusCode ?? 502);
            resolve();
          });
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      req.pipe(upstream);
    });
  }
}

function answer(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
