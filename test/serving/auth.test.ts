import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmServe, SERVED_PARTITION, type ServeProcess, servedFolder } from './serve-process.ts';

/**
 * Entra ID bearer tokens, validated the way Microsoft documents for a protected web API
 * (https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens): signature against the keys
 * at the tenant's `jwks_uri` (`<authority>/<tenant>/discovery/v2.0/keys`), issuer `<authority>/<tenant>/v2.0`,
 * audience = the API, and app roles in the `roles` claim
 * (https://learn.microsoft.com/entra/identity-platform/howto-add-app-roles-in-apps#app-roles-in-tokens).
 * The tenant here is a local HTTP server publishing a locally generated RSA key.
 */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '11111111-2222-3333-4444-555555555555';
const AUDIENCE = 'api://many-models-scoring';
const ROLE = 'Forecast.Read';

let dir: string;
let jwks: Server;
let authority: string;
let serve: ServeProcess;
let url: string;
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: Key;
let strangerKey: Key;

beforeAll(async () => {
  ({ dir } = await servedFolder('mm-serve-auth-'));
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk: JWK = {
    ...(await exportJWK(pair.publicKey)),
    kid: 'tenant-key-1',
    use: 'sig',
    alg: 'RS256',
  };
  jwks = createServer((request, response) => {
    if (request.url === `/${TENANT}/discovery/v2.0/keys`) {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [publicJwk] }));
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  authority = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
  serve = mmServe(dir, [
    '--auth',
    'entra',
    '--auth-tenant',
    TENANT,
    '--auth-audience',
    AUDIENCE,
    '--auth-role',
    ROLE,
    '--auth-authority',
    authority,
    '--log-level',
    'warn',
  ]);
  url = await serve.url();
});

afterAll(async () => {
  await serve?.stop();
  await new Promise((resolve) => jwks?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

interface TokenOptions {
  issuer?: string;
  audience?: string;
  roles?: string[];
  key?: Key;
  kid?: string;
  expiresIn?: string | number;
  tid?: string;
}

function token(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ roles: options.roles ?? [ROLE], tid: options.tid ?? TENANT, azp: 'caller-app-id' })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'tenant-key-1', typ: 'JWT' })
    .setIssuer(options.issuer ?? `${authority}/${TENANT}/v2.0`)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('managed-identity-object-id')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.key ?? signingKey);
}

function forecast(authorization?: string) {
  return fetch(`${url}/v1/forecast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ partition: SERVED_PARTITION, horizon: 4 }),
  });
}

describe('mm serve --auth entra', () => {
  it('given a token from the tenant for this API with an allowed app role, answers the forecast', async () => {
    const response = await forecast(`Bearer ${await token()}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { forecast: unknown[] }).forecast).toHaveLength(4);
  });

  it('given no token, answers 401 with a Bearer challenge', async () => {
    const response = await forecast();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    ['for another API', { audience: 'api://someone-else' }, /claim aud/],
    ['from another tenant', { issuer: `${authority}/${OTHER_TENANT}/v2.0`, tid: OTHER_TENANT }, /claim iss/],
    ['signed by a key the tenant does not publish', { key: 'stranger' as const }, /signature|key/],
    ['that has expired', { expiresIn: Math.floor(Date.now() / 1000) - 600 }, /expired/],
  ])('given a token %s, answers 401 and says why', async (_label, options, reason) => {
    const key = 'key' in options ? strangerKey : undefined;
    const { key: _ignored, ...rest } = options as TokenOptions & { key?: unknown };
    const response = await forecast(`Bearer ${await token({ ...rest, ...(key ? { key } : {}) })}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toMatch(reason);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('given an unsigned (alg none) or HMAC token, answers 401', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(
      JSON.stringify({
        iss: `${authority}/${TENANT}/v2.0`,
        aud: AUDIENCE,
        roles: [ROLE],
        sub: 'x',
        iat: 1,
        exp: 9e9,
      }),
    ).toString('base64url');
    expect((await forecast(`Bearer ${header}.${claims}.`)).status).toBe(401);
    const hmac = await new SignJWT({ roles: [ROLE] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(`${authority}/${TENANT}/v2.0`)
      .setAudience(AUDIENCE)
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret that nobody should accept'));
    expect((await forecast(`Bearer ${hmac}`)).status).toBe(401);
  });

  it('given a valid token without an allowed app role, answers 403', async () => {
    const response = await forecast(`Bearer ${await token({ roles: ['Something.Else'] })}`);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toContain(ROLE);
  });

  it('keeps the probes and metrics open to the kubelet and Prometheus (the NetworkPolicy guards them)', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});

describe('mm serve without authentication', () => {
  it('refuses to start without --auth, naming the option', async () => {
    const child = mmServe(dir, []);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toContain("required option '--auth <mode>' not specified");
  });

  it('refuses anonymous mode on a non-loopback address', async () => {
    const child = mmServe(dir, ['--auth', 'anonymous', '--host', '0.0.0.0']);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toContain(
      "anonymous mode listens on loopback only (127.0.0.1, ::1, localhost), not '0.0.0.0'",
    );
  });

  it('refuses entra mode that names no app role', async () => {
    const child = mmServe(dir, ['--auth', 'entra', '--auth-tenant', TENANT, '--auth-audience', AUDIENCE]);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toContain('--auth-role: name at least one app role allowed to call');
  });
});
