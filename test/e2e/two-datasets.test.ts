// Two datasets in one environment, as a user with the demo and their own data has them. Each dataset has its own
// namespace under the storage root (datasets/<dataset.name>/), so both run the whole pipeline one after the other
// and interleaved without touching each other; two configs that claim the same name must still refuse each other's
// prepared lake, and a resumed run must refuse a changed lake.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { lakeLayout } from '../../src/storage/layout.ts';

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

const config = (file: string, features: string, name?: string) =>
  [
    'dataset:',
    ...(name ? [`  name: ${name}`] : []),
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

const DATASETS = {
  demo: {
    partitions: 6,
    seed: 3,
    features: '[Price, Advert]',
    future: ['--future', 'raw/demo.future.parquet'],
  },
  mine: { partitions: 4, seed: 4, features: '[]', future: [] as string[] },
} as const;
type Name = keyof typeof DATASETS;

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), 'mm-two-datasets-'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(project, 'node_modules'));
  mkdirSync(path.join(project, 'environments'));
  mkdirSync(path.join(project, 'configs'));
  writeFileSync(path.join(project, 'environments/local.yaml'), 'storage:\n  kind: local\n  root: lake\n');
  for (const [name, d] of Object.entries(DATASETS)) {
    writeFileSync(path.join(project, `configs/${name}.yaml`), config(`${name}.parquet`, d.features));
    // The same data under another file and the same dataset.name: a config that claims another's namespace.
    writeFileSync(
      path.join(project, `configs/claims-${name}.yaml`),
      config(`${name}.parquet`, d.features, 'shared'),
    );
    await ok(
      'generate',
      '--partitions',
      String(d.partitions),
      '--periods',
      '80',
      '--seed',
      String(d.seed),
      '--future',
      '4',
      '--out',
      `raw/${name}.parquet`,
    );
  }
  writeFileSync(
    path.join(project, 'environments/again.yaml'),
    'storage:\n  kind: local\n  root: lake-again\n',
  );
  writeFileSync(path.join(project, 'configs/changing.yaml'), config('changing.parquet', '[]'));
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('two configs that claim one dataset.name', () => {
  it("given the user's dataset prepared over the demo's namespace, demo train and score refuse, naming what differs", async () => {
    await ok('prepare', '--config', 'configs/claims-demo.yaml');
    await ok('prepare', '--config', 'configs/claims-mine.yaml');
    for (const stage of ['train', 'score']) {
      const result = await mm(stage, '--config', 'configs/claims-demo.yaml');
      expect(result.exitCode, result.all).toBe(2);
      expect(result.all).toContain('was prepared from another dataset than this config describes');
      expect(result.all).toContain('dataset.features: the lake has [], the config [Price, Advert]');
      expect(result.all).toMatch(
        /dataset\.path: the lake was prepared from '.*mine\.parquet', the config reads '.*demo\.parquet'/,
      );
    }
    const predictions = path.join(project, 'lake', 'datasets', 'shared', 'predictions');
    expect(existsSync(predictions) ? readdirSync(predictions) : []).toEqual([]);
  }, 120_000);

  it('given the lake re-prepared from changed data, --resume of a run started on the old lake refuses', async () => {
    copyFileSync(path.join(project, 'raw/mine.parquet'), path.join(project, 'raw/changing.parquet'));
    await ok('prepare', '--config', 'configs/changing.yaml');
    await ok('train', '--config', 'configs/changing.yaml', '--run', 'r1');
    await ok('generate', '--partitions', '5', '--periods', '81', '--seed', '9', '--out', 'raw/next.parquet');
    copyFileSync(path.join(project, 'raw/next.parquet'), path.join(project, 'raw/changing.parquet'));
    await ok('prepare', '--config', 'configs/changing.yaml');
    const result = await mm('train', '--config', 'configs/changing.yaml', '--run', 'r1', '--resume');
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toMatch(
      /the prepared lake changed since this run started \(data fingerprint sha256:\w+ then, sha256:\w+ now\)/,
    );
  }, 180_000);
});

/** Every stage of one dataset, as the pipeline runs them; `env` picks the storage root. */
function stages(name: Name, env: string): string[][] {
  const common = ['--config', `configs/${name}.yaml`, '--env', env];
  return [
    ['prepare', ...common],
    ['train', ...common, '--run', `t-${name}`],
    ['evaluate-and-promote', ...common, '--run', `t-${name}`],
    ['score', ...common, '--run', `s-${name}`, ...DATASETS[name].future],
    ['report', ...common, '--run', `t-${name}`],
  ];
}

async function query<T>(sql: string): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

interface Forecast {
  Store: string;
  Brand: string;
  day: string;
  forecast: number | null;
  status: string;
  model_name: string;
  model_version: number | null;
}

async function predictionsOf(root: string, name: Name): Promise<Forecast[]> {
  const file = path.join(lakeLayout(root).predictions, `run_id=s-${name}`, 'predictions.parquet');
  return query<Forecast>(
    `SELECT CAST(Store AS VARCHAR) AS Store, CAST(Brand AS VARCHAR) AS Brand, CAST(WeekStarting AS VARCHAR) AS day,
       forecast, status, model_name, model_version FROM read_parquet('${file}') ORDER BY model_name, day`,
  );
}

/** What one dataset's namespace must hold after its whole cycle, whatever else ran beside it. */
async function expectComplete(lakeRoot: string, name: Name): Promise<Forecast[]> {
  const root = path.join(project, lakeRoot, 'datasets', name);
  const layout = lakeLayout(root);
  const d = DATASETS[name];
  const meta = JSON.parse(readFileSync(path.join(layout.prepared, 'meta.json'), 'utf8')) as {
    dataFingerprint: string;
    source: string;
  };
  expect(path.basename(meta.source)).toBe(`${name}.parquet`);
  const manifest = JSON.parse(readFileSync(path.join(layout.run(`t-${name}`), 'manifest.json'), 'utf8')) as {
    dataFingerprint: string;
    partitions: { name: string }[];
  };
  expect(manifest.dataFingerprint).toBe(meta.dataFingerprint);
  expect(manifest.partitions).toHaveLength(d.partitions);

  // Its prod registry holds its own partitions only, each promoted once.
  const prod = new Map<string, number>();
  for await (const v of new LocalModelRegistry({ root, stage: 'prod' }).list()) prod.set(v.name, v.version);
  expect(prod.size).toBeGreaterThan(0);
  expect([...prod.keys()].every((n) => manifest.partitions.some((p) => p.name === n))).toBe(true);
  expect([...prod.values()].every((v) => v === 1)).toBe(true);

  // Its predictions: the horizon for every prod model, with that model's version, on its own keys.
  const rows = await predictionsOf(root, name);
  const raw = await query<{ Store: string; Brand: string }>(
    `SELECT DISTINCT CAST(Store AS VARCHAR) AS Store, CAST(Brand AS VARCHAR) AS Brand
       FROM read_parquet('${path.join(project, 'raw', `${name}.parquet`)}')`,
  );
  const keysOf = (list: { Store: string; Brand: string }[]) =>
    [...new Set(list.map((r) => `${r.Store}|${r.Brand}`))].sort();
  expect(keysOf(rows)).toEqual(keysOf(raw));
  const ok = rows.filter((r) => r.status === 'ok');
  expect(ok).toHaveLength(prod.size * 4);
  for (const r of ok) expect(r.model_version).toBe(prod.get(r.model_name));

  // Its report: rendered complete, for its own run and data.
  const html = readFileSync(path.join(layout.reports, `t-${name}.html`), 'utf8');
  expect(html).toContain(`many-models run <bdi>t-${name}</bdi>`);
  expect(html).toContain(meta.dataFingerprint);
  expect(html).toMatch(new RegExp(`Partitions</[a-z]+>\\s*<[^>]+>${d.partitions}<`));
  for (const gap of ['has not run', 'Drawn with', 'No partition has a model', 'class="warnings"']) {
    expect(html).not.toContain(gap);
  }
  return rows;
}

describe('the demo and a user dataset in one environment', () => {
  it('run the whole pipeline one after the other, each in its own namespace, both complete', async () => {
    for (const name of ['demo', 'mine'] as const) for (const argv of stages(name, 'local')) await ok(...argv);
    await expectComplete('lake', 'demo');
    await expectComplete('lake', 'mine');
  }, 600_000);

  it('run the whole pipeline interleaved, stage by stage as concurrent processes, with the same results', async () => {
    const demo = stages('demo', 'again');
    const mine = stages('mine', 'again');
    for (let i = 0; i < demo.length; i++) await Promise.all([ok(...demo[i]!), ok(...mine[i]!)]);
    for (const name of ['demo', 'mine'] as const) {
      const interleaved = await expectComplete('lake-again', name);
      const alone = await predictionsOf(path.join(project, 'lake', 'datasets', name), name);
      expect(interleaved).toEqual(alone);
    }
  }, 600_000);
});
