import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, buildSparkBundle, productionPackages } from '../../scripts/spark/bundle.ts';
import type { EngineAnswer } from '../../src/compute/engine-requests.ts';
import { listPartitions } from '../../src/data/catalog.ts';
import { preparedLake } from '../engine/fixture.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('the production packages of the Spark app bundle', () => {
  it('given a lock file, when the runtime closure is taken, then it follows dependencies as Node resolves them (nested first) and leaves dev-only and workspace packages out', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mm-lock-'));
    const lock = {
      packages: {
        '': { dependencies: { a: '1' }, devDependencies: { vitest: '1' } },
        'node_modules/a': {
          dependencies: { b: '1', c: '1' },
          optionalDependencies: { 'a-linux': '1', 'a-darwin': '1' },
        },
        'node_modules/a/node_modules/b': {},
        'node_modules/b': {},
        'node_modules/c': { dependencies: { b: '1' } },
        'node_modules/a-linux': {},
        'node_modules/a-darwin': {},
        'node_modules/vitest': {},
        'node_modules/workspace-only': {},
      },
    };
    for (const p of Object.keys(lock.packages).filter((p) => p && !p.endsWith('a-darwin')))
      mkdirSync(path.join(root, p), { recursive: true });
    // The optional binding of another platform is in the lock but not installed here.
    expect(productionPackages(lock, root)).toEqual([
      'node_modules/a',
      'node_modules/a-linux',
      'node_modules/a/node_modules/b',
      'node_modules/b',
      'node_modules/c',
    ]);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('the Spark app bundle (npm run spark:bundle) and its Databricks init script', () => {
  let work: string;
  let runtime: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'mm-bundle-'));
    runtime = path.join(work, 'runtime');
    await buildSparkBundle({ repoRoot, outDir: runtime });
  }, 600_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  function install(target: string, volume = runtime) {
    return spawnSync('bash', [path.join(volume, 'install-mm.sh')], {
      encoding: 'utf8',
      env: { ...process.env, MM_RUNTIME_VOLUME: volume, MM_APP_DIR: target },
    });
  }

  it('given the built runtime folder, when the init script installs it and the engine host starts from the unpacked bundle with its own Node, then it trains a prepared lake and answers one ok row per partition', async () => {
    const target = path.join(work, 'opt', 'mm');
    const installed = install(target);
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stderr).toMatch(/install-mm: v24\.\d+\.\d+ and the app unpacked/);
    // Run-time packages only: the engine's, not the test runner's or infra's.
    const app = path.join(target, 'app');
    expect(existsSync(path.join(app, 'node_modules/@duckdb/node-api'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/@pulumi'))).toBe(false);
    expect(existsSync(path.join(app, 'pipelines/spark/mm_spark.py'))).toBe(true);
    for (const f of ['mm_spark.py', 'mm_executor.py', 'mm_prepare.py'])
      expect(existsSync(path.join(runtime, f))).toBe(true);

    const lake = await preparedLake({ partitions: 6, periods: 60 });
    const host = spawn(path.join(target, 'node/bin/node'), ['src/compute/engine-host.ts'], {
      cwd: app,
      stdio: ['pipe', 'pipe', 'pipe'],
      // No PATH: nothing of this machine's Node or repository can stand in for the bundle's.
      env: { HOME: work },
    });
    let stderr = '';
    host.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const answer = await new Promise<EngineAnswer>((resolve, reject) => {
      host.on('error', reject);
      host.on('exit', (code) => reject(new Error(`host exited with ${code}: ${stderr.slice(-2000)}`)));
      createInterface({ input: host.stdout }).once('line', (line) =>
        resolve(JSON.parse(line) as EngineAnswer),
      );
      host.stdin.write(
        `${JSON.stringify({
          id: 'r1',
          op: 'train',
          config: lake.configPath,
          env: 'local',
          runId: 'from-bundle',
          preparedDir: lake.layout.prepared,
          buckets: [0],
          outDir: path.join(work, 'out'),
          workers: 1,
        })}\n`,
      );
    });
    host.removeAllListeners('exit');
    host.stdin.end();
    expect(answer.ok, JSON.stringify(answer).slice(0, 2000)).toBe(true);
    const rows = (answer as { rows: { name: string; status: string }[] }).rows;
    expect(rows.map((r) => r.name).sort()).toEqual(
      (await listPartitions(lake.layout.prepared)).map((p) => p.name).sort(),
    );
    expect(rows.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(5);
    await rm(lake.root, { recursive: true, force: true });
  }, 300_000);

  it('given a bundle whose bytes do not match its checksum, when the init script runs, then it refuses with both digests and leaves the installed app as it was', () => {
    const target = path.join(work, 'opt', 'tampered');
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'marker'), 'previous install');
    const volume = path.join(work, 'tampered-volume');
    mkdirSync(volume);
    for (const f of [BUNDLE_FILE, 'install-mm.sh']) copyFileSync(path.join(runtime, f), path.join(volume, f));
    const real = readFileSync(path.join(runtime, `${BUNDLE_FILE}.sha256`), 'utf8');
    writeFileSync(
      path.join(volume, `${BUNDLE_FILE}.sha256`),
      real.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
    );

    const refused = install(target, volume);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /has SHA-256 [0-9a-f]{64} but .*\.sha256 says [0-9a-f]{64}; not installing/,
    );
    expect(readFileSync(path.join(target, 'marker'), 'utf8')).toBe('previous install');
  });
});
