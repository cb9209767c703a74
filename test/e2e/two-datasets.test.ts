// Two datasets sharing one storage root, as a user with the demo and their own data has them: a stage run with
// one dataset's config on the other's prepared lake must refuse, and a resumed run must refuse a changed lake.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
let project: string;

function mm(...args: string[]) {
  return execa(process.execPath, [path.join(repo, 'src/cli/main.ts'), ...args], {
    cwd: project,
    reject: false,
    all: true,
    env: { CI: 'true' },
  });
}

async function ok(...args: string[]) {
  const result = await mm(...args);
  expect(result.exitCode, `mm ${args.join(' ')}\n${result.all}`).toBe(0);
}

const config = (file: string, features: string) =>
  [
    'dataset:',
    `  path: ../raw/${file}`,
    '  partitionBy: [Store, Brand]',
    '  time: WeekStarting',
    '  target: Quantity',
    '  frequency: W',
    `  features: ${features}`,
    'forecast: { horizon: 4, holdout: 8, candidates: [naive, mean, ridge] }',
    'engine: { workers: 1, maxFailedShare: 0.5 }',
    '',
  ].join('\n');

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), 'mm-two-datasets-'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(project, 'node_modules'));
  mkdirSync(path.join(project, 'environments'));
  mkdirSync(path.join(project, 'configs'));
  writeFileSync(path.join(project, 'environments/local.yaml'), 'storage:\n  kind: local\n  root: lake\n');
  writeFileSync(path.join(project, 'configs/demo.yaml'), config('demo.parquet', '[Price, Advert]'));
  writeFileSync(path.join(project, 'configs/mine.yaml'), config('mine.parquet', '[]'));
  await ok('generate', '--partitions', '6', '--periods', '80', '--seed', '3', '--out', 'raw/demo.parquet');
  await ok('generate', '--partitions', '5', '--periods', '80', '--seed', '4', '--out', 'raw/mine.parquet');
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('two datasets in one storage root', () => {
  it("given the user's dataset prepared over the demo's, demo train and score refuse, naming what differs", async () => {
    await ok('prepare', '--config', 'configs/demo.yaml');
    await ok('prepare', '--config', 'configs/mine.yaml');
    for (const stage of ['train', 'score']) {
      const result = await mm(stage, '--config', 'configs/demo.yaml');
      expect(result.exitCode, result.all).toBe(2);
      expect(result.all).toContain('was prepared from another dataset than this config describes');
      expect(result.all).toContain('dataset.features: the lake has [], the config [Price, Advert]');
      expect(result.all).toMatch(
        /dataset\.path: the lake was prepared from '.*mine\.parquet', the config reads '.*demo\.parquet'/,
      );
    }
    const predictions = path.join(project, 'lake', 'predictions');
    expect(existsSync(predictions) ? readdirSync(predictions) : []).toEqual([]);
  }, 120_000);

  it('given the lake re-prepared from changed data, --resume of a run started on the old lake refuses', async () => {
    await ok('prepare', '--config', 'configs/mine.yaml');
    await ok('train', '--config', 'configs/mine.yaml', '--run', 'r1');
    await ok('generate', '--partitions', '5', '--periods', '81', '--seed', '9', '--out', 'raw/next.parquet');
    copyFileSync(path.join(project, 'raw/next.parquet'), path.join(project, 'raw/mine.parquet'));
    await ok('prepare', '--config', 'configs/mine.yaml');
    const result = await mm('train', '--config', 'configs/mine.yaml', '--run', 'r1', '--resume');
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toMatch(
      /the prepared lake changed since this run started \(data fingerprint sha256:\w+ then, sha256:\w+ now\)/,
    );
  }, 180_000);
});
