import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import type { ForecastResponse } from '../../src/serving/forecast-route.ts';
import { trainedArtifact } from './real-artifacts.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mm-serve-cli-'));
  const root = path.join(dir, 'lake');
  await new LocalModelRegistry({ root, stage: 'prod' }).registerMany([
    {
      artifact: trainedArtifact({ Store: '7', Brand: 'minute.maid' }, { seed: 5, candidates: ['ridge'] }),
      tags: {},
    },
  ]);
  await writeFile(
    path.join(dir, 'config.yaml'),
    [
      'dataset:',
      '  path: sales.parquet',
      '  partitionBy: [Store, Brand]',
      '  time: WeekStarting',
      '  target: Quantity',
      '  frequency: W',
      '  features: [Price, Advert]',
      'forecast: { horizon: 8, holdout: 8 }',
      `storage: { kind: local, root: ${JSON.stringify(root)} }`,
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  // cwd is the temp folder: no environments/local.yaml there to overlay the test's storage root.
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function waitFor(read: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stderr so far:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mm serve', () => {
  it('serves forecasts from the configured prod registry and stops cleanly on SIGTERM', async () => {
    const server = run([
      '--config',
      'config.yaml',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'warn',
      '--auth',
      'anonymous',
    ]);
    try {
      const [, url] = await waitFor(server.stderr, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const response = await fetch(`${url}/v1/forecast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ partition: { Store: '7', Brand: 'minute.maid' }, horizon: 4 }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as ForecastResponse;
      expect(body.model.kind).toBe('ridge');
      expect(body.forecast).toHaveLength(4);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toContain('mm serve: stopped');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('refuses a bad option value before starting, naming the option', async () => {
    const server = run(['--config', 'config.yaml', '--auth', 'anonymous', '--cache-max-models', '0']);
    const code = await server.exited;
    expect(code).not.toBe(0);
    expect(server.stderr()).toContain("option '--cache-max-models <n>' argument '0' is invalid");
  });
});
