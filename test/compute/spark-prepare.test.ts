import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import { openDuck, queryRows } from '../../src/data/duckdb.ts';
import type { ValidationReport } from '../../src/data/report.ts';
import { literal } from '../../src/data/sql.ts';
import { HEADER, seriesRows, weeks } from '../data/fixtures.ts';
import { venvPython } from '../pipelines/python.ts';

const python = venvPython();
const repoRoot = path.resolve(import.meta.dirname, '../..');
const made: string[] = [];

afterEach(async () => {
  delete process.env.MM_LAKE_ROOT;
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Keys no folder name could hold, rows the rules must reject or repair, in one CSV. */
function hostileRows(): string[] {
  const rows = [
    ...seriesRows('s1', 'a', 30),
    ...seriesRows('s1', 'b', 30),
    ...seriesRows('s2', 'a', 30),
    ...seriesRows('s2', 'b', 26),
    ...seriesRows('../etc', 'a/b', 30),
    ...seriesRows('"東京, 店"', 'ü', 30),
    ...seriesRows('"say ""hi"""', 'x', 30),
    ...seriesRows('s3', 'short', 5),
    // Duplicated weeks: the same (partition, time) twice.
    ...seriesRows('s3', 'dup', 30),
    ...seriesRows('s3', 'dup', 3),
    // NaN in the target; a negative target; a series with missing weeks (filled) and one timestamp-dated row.
    ...seriesRows('s4', 'nan', 30, (i) => (i === 7 ? Number.NaN : 50 + i)),
    ...seriesRows('s4', 'neg', 30, (i) => (i === 3 ? -5 : 50 + i)),
    ...seriesRows('s4', 'gaps', 30).filter((_, i) => i % 7 !== 3),
  ];
  const extraDay = weeks(31)[30]!;
  rows.push(`${extraDay} 00:00:00,s1,a,130,0,2.10`);
  return rows;
}

function writeDataset(rows: string[]): { dir: string; configPath: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-spark-prepare-'));
  made.push(dir);
  const csv = path.join(dir, 'sales.csv');
  writeFileSync(csv, `${[HEADER, ...rows].join('\n')}\n`);
  const configPath = path.join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      'dataset:',
      `  path: ${JSON.stringify(csv)}`,
      '  partitionBy: [Store, Brand]',
      '  time: WeekStarting',
      '  target: Quantity',
      '  frequency: W',
      '  features: [Price, Advert]',
      'forecast: {horizon: 4, holdout: 4, minTrainPoints: 8}',
      'engine: {maxFailedShare: 0.5}',
      '',
    ].join('\n'),
  );
  return { dir, configPath };
}

/** `mm prepare` through the CLI into `<lake>/prepared`. */
async function mmPrepare(configPath: string, lake: string): Promise<number> {
  process.env.MM_LAKE_ROOT = lake;
  try {
    return await runCli(['prepare', '--config', configPath, '--env', 'local']);
  } finally {
    delete process.env.MM_LAKE_ROOT;
  }
}

/** The Spark preparation (pipelines/spark/mm_spark.py prepare) on local[2], with 3 raw shards to merge. */
function sparkPrepare(configPath: string, lake: string): { status: number | null; tail: string } {
  const result = spawnSync(
    python!,
    [
      path.join(repoRoot, 'pipelines/spark/mm_spark.py'),
      'prepare',
      '--config',
      configPath,
      '--run',
      'spark-prepare',
      '--lake',
      lake,
      '--node',
      process.execPath,
      '--app-root',
      repoRoot,
      '--shards',
      '3',
      '--master',
      'local[2]',
    ],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PYSPARK_PYTHON: python! },
    },
  );
  const log = `${result.stdout}\n${result.stderr}`;
  writeFileSync(path.join(path.dirname(lake), 'spark-prepare.log'), log);
  return { status: result.status, tail: log.slice(-4000) };
}

async function rowsOf(file: string, order = '') {
  const duck = await openDuck({ threads: 1, memoryLimit: '256MB' });
  try {
    return await queryRows(
      duck.connection,
      `SELECT * FROM read_parquet(${literal(file)}, hive_partitioning = false) ${order}`,
    );
  } finally {
    duck.close();
  }
}

async function bucketsOf(prepared: string): Promise<string[]> {
  return (await readdir(prepared)).filter((n) => n.startsWith('bucket=')).sort();
}

function json<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

describe.skipIf(!python)('the Spark preparation (pipelines/spark/mm_spark.py prepare, local[2])', () => {
  it('given a CSV with hostile keys, duplicated weeks, NaN and negative targets, gaps, a short series and a timestamp-dated row, when mm prepare and the Spark preparation both prepare it, then the catalogs, the bucket files row by row, the fingerprint and the validation verdicts are equal', async () => {
    const { dir, configPath } = writeDataset(hostileRows());
    const one = path.join(dir, 'mm');
    const spark = path.join(dir, 'spark');

    expect(await mmPrepare(configPath, one)).toBe(0);
    const run = sparkPrepare(configPath, spark);
    expect(run.status, run.tail).toBe(0);

    const [a, b] = [path.join(one, 'prepared'), path.join(spark, 'prepared')];
    const catalog = await rowsOf(path.join(a, 'catalog.parquet'), 'ORDER BY name');
    expect(catalog.length).toBe(12);
    expect(await rowsOf(path.join(b, 'catalog.parquet'), 'ORDER BY name')).toEqual(catalog);
    // The rules did reject and repair: not a dataset that passes through untouched.
    const status = Object.fromEntries(catalog.map((r) => [String(r.name), String(r.status)]));
    expect(Object.values(status).filter((s) => s !== 'ok').length).toBeGreaterThanOrEqual(3);

    const buckets = await bucketsOf(a);
    expect(await bucketsOf(b)).toEqual(buckets);
    for (const bucket of buckets) {
      // File order, not re-sorted: the Spark lake is sorted as mm prepare sorts (key text, then time).
      expect(await rowsOf(path.join(b, bucket, 'part.parquet'))).toEqual(
        await rowsOf(path.join(a, bucket, 'part.parquet')),
      );
    }

    type Meta = { dataFingerprint: string; buckets: number; rows: unknown; partitions: unknown };
    const [ma, mb] = [json<Meta>(path.join(a, 'meta.json')), json<Meta>(path.join(b, 'meta.json'))];
    expect({ ...mb, createdAt: undefined }).toEqual({ ...ma, createdAt: undefined });

    const [ra, rb] = [
      json<ValidationReport>(path.join(a, 'validation.json')),
      json<ValidationReport>(path.join(b, 'validation.json')),
    ];
    const verdicts = (r: ValidationReport) => ({
      passed: r.passed,
      rows: r.rows,
      partitions: r.partitions,
      filled: r.filled,
      byStatus: r.byStatus,
      excluded: [...r.excluded].sort((x, y) => (x.name < y.name ? -1 : 1)),
    });
    expect(verdicts(rb)).toEqual(verdicts(ra));
    // The Spark work folder is gone.
    expect(existsSync(path.join(spark, 'spark-prepare', 'spark-prepare'))).toBe(false);
  }, 600_000);

  it('given a CSV with an unparseable date and a word in the target, when both prepare it, then both fail with exit code 2, name the same problems with the same row counts, and write no prepared lake', async () => {
    const rows = hostileRows();
    rows.push('2024-13-45,s1,a,100,0,2.00', '2024-03-04,s2,a,lots,0,2.00', '2024-03-11,s2,b,oops,0,2.00');
    const { dir, configPath } = writeDataset(rows);
    const one = path.join(dir, 'mm');
    const spark = path.join(dir, 'spark');

    expect(await mmPrepare(configPath, one)).toBe(2);
    const run = sparkPrepare(configPath, spark);
    expect(run.status, run.tail).toBe(2);
    expect(run.tail).toMatch(/unparseable date/);

    expect(existsSync(path.join(one, 'prepared'))).toBe(false);
    expect(existsSync(path.join(spark, 'prepared'))).toBe(false);
    const problems = (file: string) =>
      json<ValidationReport>(file)
        .datasetProblems.map((p) => ({ code: p.code, column: p.column, rows: p.rows }))
        .sort((x, y) => (x.code < y.code ? -1 : 1));
    const expected = problems(path.join(one, 'prepared.failed-validation.json'));
    expect(expected).toEqual([
      { code: 'non_numeric', column: 'Quantity', rows: 2 },
      { code: 'unparseable_date', column: 'WeekStarting', rows: 1 },
    ]);
    expect(problems(path.join(spark, 'prepared.failed-validation.json'))).toEqual(expected);
  }, 600_000);
});
