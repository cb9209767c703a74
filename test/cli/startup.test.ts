// What a command loads decides what its start-up costs: before commands imported their stage on use, every `mm`
// process loaded ~2,100 modules (DuckDB, the Azure SDKs, fastify, echarts, ...) even to print its version, ~1.2 s of
// CPU per start (bench/results/train.md, "Start-up"). These tests run the real launcher with a loader hook that
// logs every module each thread loads, so an eager import added later fails here, not in a benchmark.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const HOOK = path.join(import.meta.dirname, 'helpers/module-log.ts');

/** Packages the local path never needs: the Azure SDKs, the service, the report's charts, child processes. */
const NOT_LOCAL = /^(@azure\/|@pulumi\/|fastify|@fastify\/|jose|prom-client|echarts|zrender|execa|mssql)/;

interface Loaded {
  /** Packages (node_modules folder names) each thread loaded, by thread id (0: the main thread). */
  packages: Map<number, Set<string>>;
  modules: number;
  stdout: string;
}

let dir: string;

/** Runs a Node program of the repo (with `input` on stdin) and reads back what each of its threads loaded. */
async function loads(program: string, args: string[], input?: string): Promise<Loaded> {
  const log = path.join(dir, `modules-${path.basename(program)}-${args[0]}.log`);
  await rm(log, { force: true });
  const result = await execa(process.execPath, ['--import', HOOK, path.join(repo, program), ...args], {
    cwd: dir,
    env: { MM_MODULE_LOG: log, CI: 'true' },
    reject: false,
    all: true,
    ...(input === undefined ? {} : { input }),
  });
  expect(result.exitCode, result.all).toBe(0);
  const packages = new Map<number, Set<string>>();
  const lines = (await readFile(log, 'utf8')).trim().split('\n');
  for (const line of lines) {
    const [thread, url] = line.split(' ') as [string, string];
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    const set = packages.get(Number(thread)) ?? new Set<string>();
    if (name) set.add(name);
    packages.set(Number(thread), set);
  }
  return { packages, modules: lines.length, stdout: result.stdout };
}

const mm = (args: string[]) => loads('bin/mm.js', args);

const notLocal = (loaded: Loaded) =>
  [...loaded.packages.values()].flatMap((set) => [...set].filter((p) => NOT_LOCAL.test(p)));

describe('what an mm process loads', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mm-startup-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['--version', '--help', 'train --help', 'serve --help'])(
    'given `mm %s`, when it runs, then it loads the command definitions and commander only',
    async (command) => {
      const loaded = await mm(command.split(' '));
      expect([...loaded.packages.keys()]).toEqual([0]);
      expect([...loaded.packages.get(0)!]).toEqual(['commander']);
      expect(loaded.modules).toBeLessThan(60);
    },
  );

  it('given a local lake, when prepare, train, evaluate-and-promote and score run, then no thread loads an Azure SDK, the service, the charts or execa, one worker thread per batch starts, and it loads no DuckDB; the engine host neither', async () => {
    await mm([
      'generate',
      '--partitions',
      '2',
      '--periods',
      '60',
      '--out',
      'raw/data.parquet',
      '--future',
      '8',
    ]);
    await writeFile(
      path.join(dir, 'config.yaml'),
      [
        'dataset:',
        '  path: raw/data.parquet',
        '  partitionBy: [Store, Brand]',
        '  time: WeekStarting',
        '  target: Quantity',
        '  frequency: W',
        '  features: [Price, Advert]',
        'forecast:',
        '  horizon: 8',
        '  holdout: 8',
        'engine:',
        '  workers: 1',
        '',
      ].join('\n'),
    );
    const config = ['--config', 'config.yaml'];
    const prepare = await mm(['prepare', ...config]);
    // Four threads asked for, one batch of two partitions to train or score: one worker thread starts.
    const train = await mm(['train', '--run', 'r1', '--workers', '4', ...config]);
    const promote = await mm(['evaluate-and-promote', '--run', 'r1', ...config]);
    const score = await mm([
      'score',
      '--run',
      's1',
      '--future',
      'raw/data.future.parquet',
      '--workers',
      '4',
      ...config,
    ]);
    for (const loaded of [prepare, train, promote, score]) expect(notLocal(loaded)).toEqual([]);
    // Promotion compares JSON documents: it needs no DuckDB and no worker pool.
    expect([...promote.packages.get(0)!].filter((p) => /duckdb|piscina/.test(p))).toEqual([]);
    // A training worker fits models: the lake is read by the main thread.
    const workers = [...train.packages].filter(([thread]) => thread !== 0);
    expect(workers).toHaveLength(1);
    for (const [, set] of workers) expect([...set].filter((p) => p.startsWith('@duckdb/'))).toEqual([]);
    expect([...score.packages.keys()].filter((thread) => thread !== 0)).toHaveLength(1);
    // The engine host an AML mini-batch or a Spark task talks to: one train request over the same lake.
    const request = {
      id: 'h1',
      op: 'train',
      config: path.join(dir, 'config.yaml'),
      env: 'local',
      runId: 'h1',
      preparedDir: path.join(dir, '.mm/local/datasets/config/prepared'),
      buckets: [0],
      outDir: path.join(dir, 'host-out'),
    };
    const host = await loads('src/compute/engine-host.ts', [], `${JSON.stringify(request)}\n`);
    expect(JSON.parse(host.stdout)).toMatchObject({ id: 'h1', ok: true });
    expect(notLocal(host)).toEqual([]);
  }, 300_000);
});
