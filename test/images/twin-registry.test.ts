// The twin's container registries: a real OCI registry (Debian's docker-registry, CNCF distribution) behind the
// ACR gate (Entra ID token exchange, role checks from infra/access-plan.ts). buildah pushes and pulls through the
// twin's network exactly as it would to <name>.azurecr.io, signed in as ACR's documented token flow has it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildah } from '../../scripts/images/buildah.ts';
import { defaultStore, storeArgs } from '../../scripts/images/store.ts';
import { AcrGate } from '../../twin/acr/acr-gate.ts';
import { type RegistryChild, registryUnavailable, startRegistry } from '../../twin/acr/registry-process.ts';
import { ARM_AUDIENCE, TokenIssuer } from '../../twin/identity/tokens.ts';
import { portOf, TwinRouter } from '../../twin/network/router.ts';
import { TwinEstate } from '../../twin/rbac/estate.ts';
import { selfSignedCertificate } from '../../twin/tls.ts';
import { imagesSkipReason } from './availability.ts';

const NULL_USER = '00000000-0000-0000-0000-000000000000';
const skip = (await imagesSkipReason()) ?? registryMissing();

function registryMissing(): string | undefined {
  const reason = registryUnavailable();
  if (reason && process.env.CI) throw new Error(`registry tests cannot run under CI: ${reason}`);
  if (reason) process.stderr.write(`registry tests skipped: ${reason}\n`);
  return reason;
}

describe.skipIf(skip)('the twin’s container registries (ACR stand-in)', () => {
  const estate = new TwinEstate({ subscriptionId: '00000000-0000-0000-0000-000000000000' });
  const issuer = new TokenIssuer(estate.tenantId);
  const tls = selfSignedCertificate(['*.azurecr.io']);
  const store = defaultStore();
  const IMAGE = 'localhost/mm-twin-registry-probe:1';
  let work: string;
  let registry: RegistryChild;
  let gate: AcrGate;
  let router: TwinRouter;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'mm-twin-acr-'));
    registry = await startRegistry(path.join(work, 'registry'));
    gate = await new AcrGate({ estate, issuer, upstream: registry.url, tls }).start();
    router = await new TwinRouter().route(/^[a-z0-9]+\.azurecr\.io$/, portOf(gate.endpoint)).start();
    mkdirSync(path.join(work, 'certs'));
    writeFileSync(path.join(work, 'certs/ca.crt'), tls.cert);
    // A one-file image: what is pushed matters less than who may push it.
    writeFileSync(path.join(work, 'hello.txt'), 'hello from the twin\n');
    const container = await buildah(['from', 'scratch'], { store });
    await buildah(['copy', container, path.join(work, 'hello.txt'), '/hello.txt'], { store });
    await buildah(['commit', '--quiet', container, IMAGE], { store });
    await buildah(['rm', container], { store });
  });

  afterAll(async () => {
    await buildah(['rmi', '-f', IMAGE], { store }).catch(() => undefined);
    await router?.stop();
    await gate?.stop();
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** An HTTPS call to `<login server><path>` through the gate, as a client that resolved the name to it. */
  const call = (login: string, method: string, urlPath: string, headers: Record<string, string>, body = '') =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: portOf(gate.endpoint),
          method,
          path: urlPath,
          servername: login,
          ca: tls.cert,
          headers: { host: login, ...headers },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  /** `az acr login --expose-token`: the identity's Entra ID token exchanged for an ACR refresh token. */
  const refreshToken = async (identity: string, login: string) => {
    const principal = estate.principal(identity);
    const aad = issuer.issue(principal, ARM_AUDIENCE);
    const form = new URLSearchParams({ grant_type: 'access_token', service: login, access_token: aad });
    const res = await call(
      login,
      'POST',
      '/oauth2/exchange',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form.toString(),
    );
    expect(res.status, res.body).toBe(200);
    return (JSON.parse(res.body) as { refresh_token: string }).refresh_token;
  };

  const granted = async (identity: string, login: string, scope: string) => {
    const refresh = await refreshToken(identity, login);
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      service: login,
      scope,
      refresh_token: refresh,
    });
    const res = await call(
      login,
      'POST',
      '/oauth2/token',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form.toString(),
    );
    expect(res.status, res.body).toBe(200);
    const token = (JSON.parse(res.body) as { access_token: string }).access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      access: { name: string; actions: string[] }[];
    };
    return { token, actions: claims.access[0]?.actions ?? [] };
  };

  const push = async (identity: string, login: string, tag: string) =>
    execa(
      'buildah',
      [
        ...storeArgs(store),
        'push',
        '--creds',
        `${NULL_USER}:${await refreshToken(identity, login)}`,
        '--cert-dir',
        path.join(work, 'certs'),
        IMAGE,
        `docker://${login}/mm-runtime:${tag}`,
      ],
      { reject: false, env: { ...process.env, HTTPS_PROXY: router.url, NO_PROXY: '' }, stdin: 'ignore' },
    );

  it('grants each identity only the actions its roles allow: dev training pull and push, dev dataprep nothing, prod scoring pull', async () => {
    const dev = gate.loginServer('dev');
    const prod = gate.loginServer('prod');
    expect((await granted('dev/training', dev, 'repository:mm-runtime:pull,push')).actions).toEqual([
      'pull',
      'push',
    ]);
    expect((await granted('dev/dataprep', dev, 'repository:mm-runtime:pull,push')).actions).toEqual([]);
    expect((await granted('prod/scoring', prod, 'repository:mm-runtime:pull,push')).actions).toEqual([
      'pull',
    ]);
    expect((await granted('prod/scoring', dev, 'repository:mm-runtime:pull')).actions).toEqual([]);
  });

  it('answers a request without a token with the Bearer challenge naming the token endpoint and scope', async () => {
    const login = gate.loginServer('dev');
    const res = await call(login, 'GET', '/v2/mm-runtime/manifests/x', {});
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer realm="https://${login}/oauth2/token",service="${login}",scope="repository:mm-runtime:pull"`,
    );
  });

  it('given dev/training (AcrPush), buildah pushes the image to the dev registry, and its manifest can be pulled', async () => {
    const login = gate.loginServer('dev');
    const pushed = await push('dev/training', login, 'c0ffee');
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const { token } = await granted('dev/training', login, 'repository:mm-runtime:pull');
    const manifest = await call(login, 'GET', '/v2/mm-runtime/manifests/c0ffee', {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(manifest.status, manifest.body).toBe(200);
    expect(manifest.headers['docker-content-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('given dev/dataprep (no registry role), the push is refused and nothing is stored', async () => {
    const login = gate.loginServer('dev');
    const before = gate.log.length;
    const pushed = await push('dev/dataprep', login, 'refused');
    expect(pushed.exitCode).not.toBe(0);
    const dataprep = estate.principal('dev/dataprep').principalId;
    expect(gate.log.slice(before).some((c) => c.principal === dataprep && c.status === 401)).toBe(true);
    const { token } = await granted('dev/training', login, 'repository:mm-runtime:pull');
    const manifest = await call(login, 'GET', '/v2/mm-runtime/manifests/refused', {
      authorization: `Bearer ${token}`,
    });
    expect(manifest.status).toBe(404);
  });
});
