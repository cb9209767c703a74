// `az` for the rehearsal's Image stages: the two Azure CLI commands .azure-pipelines/scripts/runtime-image.ts runs,
// `az acr repository show` and `az acr build`, done against the twin's container registries as the step's identity
// (the AzureCLI@2 task signs `az` in as its service connection; here the step's managed identity endpoint does).
// Only these two commands are stood in; anything else exits 2 saying so. Not the Azure CLI's code: what its
// commands do, from the registry's side (ACR's token flow, twin/acr/acr-gate.ts) and ACR Tasks' (tasks-build.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import { execa } from 'execa';
import { defaultStore, storeArgs } from '../../scripts/images/store.ts';
import { azureCredential } from '../../src/azure/credential.ts';
import { tasksBuild } from './tasks-build.ts';

const NULL_USER = '00000000-0000-0000-0000-000000000000';
const log = (line: string) => process.stderr.write(`${line}\n`);
const pipeline = createPipelineFromOptions({}); // proxy from HTTPS_PROXY, as the CLI's requests library does
const http = createDefaultHttpClient();

async function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string) {
  const request = createPipelineRequest({ url, method, headers: createHttpHeaders(headers), body });
  return pipeline.sendRequest(http, request);
}

/** `az acr login --expose-token`: the signed-in identity's Entra ID token exchanged for an ACR refresh token. */
async function refreshToken(login: string): Promise<string> {
  const aad = await azureCredential().getToken('https://management.azure.com/.default');
  if (!aad) throw new Error('no access token for the signed-in identity');
  const form = new URLSearchParams({ grant_type: 'access_token', service: login, access_token: aad.token });
  const res = await send(
    'POST',
    `https://${login}/oauth2/exchange`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    form.toString(),
  );
  if (res.status !== 200)
    throw new Error(`${login}: token exchange refused (${res.status}): ${res.bodyAsText}`);
  return (JSON.parse(res.bodyAsText ?? '{}') as { refresh_token: string }).refresh_token;
}

async function repositoryShow(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { name: { type: 'string' }, image: { type: 'string' } },
  });
  const login = `${values.name}.azurecr.io`;
  const [repository, tag] = String(values.image).split(':');
  const refresh = await refreshToken(login);
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    service: login,
    scope: `repository:${repository}:pull`,
    refresh_token: refresh,
  });
  const token = await send(
    'POST',
    `https://${login}/oauth2/token`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    form.toString(),
  );
  const access = (JSON.parse(token.bodyAsText ?? '{}') as { access_token?: string }).access_token ?? '';
  const manifest = await send('GET', `https://${login}/v2/${repository}/manifests/${tag}`, {
    authorization: `Bearer ${access}`,
    accept:
      'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
  });
  if (manifest.status === 200) {
    process.stdout.write(
      `${JSON.stringify({ digest: manifest.headers.get('docker-content-digest'), name: tag }, null, 2)}\n`,
    );
    return 0;
  }
  log(
    `(${manifest.status === 404 ? 'ManifestUnknown' : 'Unauthorized'}) ${values.image} in ${login}: ${manifest.status}`,
  );
  return manifest.status === 404 ? 3 : 1;
}

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      registry: { type: 'string' },
      image: { type: 'string' },
      file: { type: 'string' },
      'build-arg': { type: 'string', multiple: true },
      platform: { type: 'string' },
    },
  });
  if (values.platform && values.platform !== 'linux/amd64') {
    log(`twin az: only linux/amd64 builds here, not ${values.platform}`);
    return 2;
  }
  const login = `${values.registry}.azurecr.io`;
  const context = path.resolve(positionals[0] ?? '.');
  const buildArgs = Object.fromEntries(
    (values['build-arg'] ?? []).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  const refresh = await refreshToken(login); // signed in before the run is queued, as the CLI is
  const built = await tasksBuild({
    context,
    dockerfile: values.file ?? 'Dockerfile',
    buildArgs,
    log,
  });
  log(built.reused ? `the same sources were built before: ${built.image}` : `built ${built.image}`);
  // The run pushes as the caller: AcrPush on the registry (access-plan.ts), checked by the twin's gate.
  const certs = mkdtempSync(path.join(tmpdir(), 'mm-az-certs-'));
  try {
    const ca = process.env.NODE_EXTRA_CA_CERTS;
    if (ca) writeFileSync(path.join(certs, 'ca.crt'), readFileSync(ca));
    const target = `docker://${login}/${values.image}`;
    const pushed = await execa(
      'buildah',
      [
        ...storeArgs(defaultStore()),
        'push',
        '--creds',
        `${NULL_USER}:${refresh}`,
        '--cert-dir',
        certs,
        built.image,
        target,
      ],
      { reject: false, stdin: 'ignore', all: true },
    );
    if (pushed.exitCode !== 0) {
      log(`push of ${values.image} to ${login} failed (exit ${pushed.exitCode}):\n${pushed.all}`);
      return 1;
    }
    log(`pushed ${login}/${values.image}; Run ID: twin-${Date.now()} was successful`);
    return 0;
  } finally {
    rmSync(certs, { recursive: true, force: true });
  }
}

const [group, command, ...rest] = process.argv.slice(2);
try {
  if (group === 'acr' && command === 'repository' && rest[0] === 'show')
    process.exitCode = await repositoryShow(rest.slice(1));
  else if (group === 'acr' && command === 'build') process.exitCode = await build(rest);
  else {
    log(
      `twin az: '${process.argv.slice(2).join(' ')}' is not stood in (only 'acr repository show' and 'acr build')`,
    );
    process.exitCode = 2;
  }
} catch (error) {
  log(`ERROR: ${(error as Error).message}`);
  process.exitCode = 1;
}
