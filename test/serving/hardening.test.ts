import { readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmServe, SERVED_PARTITION, type ServeProcess, servedFolder } from './serve-process.ts';

let dir: string;
let serve: ServeProcess;
let url: string;
const REQUEST_TIMEOUT_MS = 1_000;

beforeAll(async () => {
  ({ dir } = await servedFolder('mm-serve-hardening-'));
  serve = mmServe(dir, [
    '--auth',
    'anonymous',
    '--request-timeout-ms',
    String(REQUEST_TIMEOUT_MS),
    '--log-level',
    'silent',
  ]);
  url = await serve.url();
});

afterAll(async () => {
  await serve?.stop();
  await rm(dir, { recursive: true, force: true });
});

const BODY = JSON.stringify({ partition: SERVED_PARTITION, horizon: 3 });

/** Opens a raw connection, sends the headers and then one body byte every 200 ms; resolves when the server hangs up. */
function trickle(): Promise<{ closedAfterMs: number; response: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(
        `POST /v1/forecast HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n`,
      );
      let i = 0;
      timer = setInterval(() => {
        if (i < BODY.length && !socket.destroyed) socket.write(BODY[i++] as string);
      }, 200);
    });
    socket.on('data', (chunk) => {
      response += chunk.toString();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: performance.now() - started, response });
    });
  });
}

describe('mm serve under slow or odd clients', () => {
  it('given a client trickling its body, answers 408 and hangs up soon after the request timeout', async () => {
    const { closedAfterMs, response } = await trickle();
    // The whole body would take ~10 s at this pace; the limit is 1 s, checked every 250 ms.
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS * 3);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
  });

  it('given text/plain, answers 415 as documented', async () => {
    const response = await fetch(`${url}/v1/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: BODY,
    });
    expect(response.status).toBe(415);
  });

  it('given a gzip body, decodes it and answers the same forecast as the plain body', async () => {
    const plain = await fetch(`${url}/v1/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    });
    const zipped = await fetch(`${url}/v1/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(BODY),
    });
    expect(zipped.status).toBe(200);
    const forecastOf = async (r: Response) => ((await r.json()) as { forecast: unknown }).forecast;
    expect(await forecastOf(zipped)).toEqual(await forecastOf(plain));
  });

  it('given a gzip body that inflates past the body limit, answers 413', async () => {
    const bomb = gzipSync(
      JSON.stringify({ partition: SERVED_PARTITION, horizon: 3, pad: 'x'.repeat(1_000_000) }),
    );
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await fetch(`${url}/v1/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(response.status).toBe(413);
  });

  it('given a content coding it does not speak, answers 415 and lists the codings it accepts', async () => {
    const response = await fetch(`${url}/v1/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
      body: BODY,
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('accept-encoding')).toBe('gzip, identity');
  });

  it('given a registry it cannot read, answers 502 without naming a server path', async () => {
    const broken = await servedFolder('mm-serve-broken-');
    const models = path.join(broken.root, 'registry', 'prod', 'models');
    const [name] = await readdir(models);
    await writeFile(path.join(models, name as string, 'latest.json'), '{ torn');
    const server = mmServe(broken.dir, ['--auth', 'anonymous', '--log-level', 'silent']);
    try {
      const response = await fetch(`${await server.url()}/v1/forecast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      const text = await response.text();
      expect(response.status).toBe(502);
      expect(text).toContain('could not load model');
      expect(text).not.toContain(broken.dir);
      expect(text).not.toMatch(/\/(tmp|home|work|var)\//);
    } finally {
      await server.stop();
      await rm(broken.dir, { recursive: true, force: true });
    }
  });

  it('given a prod pack cut short, answers 502 for its model without naming a server path', async () => {
    const broken = await servedFolder('mm-serve-cut-pack-');
    const packs = path.join(broken.root, 'registry', 'prod', 'packs');
    for (const pack of await readdir(packs)) await truncate(path.join(packs, pack), 100);
    const server = mmServe(broken.dir, ['--auth', 'anonymous', '--log-level', 'silent']);
    try {
      const response = await fetch(`${await server.url()}/v1/forecast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      const text = await response.text();
      expect(response.status).toBe(502);
      expect(text).toContain('could not load model');
      expect(text).not.toContain(broken.dir);
      expect(text).not.toMatch(/\/(tmp|home|work|var)\//);
    } finally {
      await server.stop();
      await rm(broken.dir, { recursive: true, force: true });
    }
  });
});
