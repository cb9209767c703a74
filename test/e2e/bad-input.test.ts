// Bad input a user can give `mm` that used to pass silently or write outside the storage root: a hostile run id,
// a BOOLEAN target, a STRUCT partition key, a -inf target value. Each is refused with a located message.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPartitions } from '../../src/data/index.ts';

const repo = path.resolve(import.meta.dirname, '../..');
let base: string;
let project: string;

function mm(...args: string[]) {
  return execa(process.execPath, [path.join(repo, 'src/cli/main.ts'), ...args], {
    cwd: project,
    reject: false,
    all: true,
    env: { CI: 'true' },
  });
}

/** Writes a Parquet file from a SQL query (DuckDB types stay as the query makes them). */
async function parquet(file: string, select: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  connection.closeSync();
  db.closeSync();
}

const WEEKS = `SELECT DATE '2022-01-02' + INTERVAL (7 * i) DAY AS week, i FROM range(60) t(i)`;

function config(name: string, dataset: string): void {
  writeFileSync(
    path.join(project, `${name}.yaml`),
    `dataset: ${dataset}\nforecast: { horizon: 4, holdout: 4 }\nengine: { workers: 1, maxFailedShare: 1 }\nstorage: { kind: local, root: lake }\n`,
  );
}

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'mm-bad-input-'));
  project = path.join(base, 'project');
  mkdirSync(project);
  symlinkSync(path.join(repo, 'node_modules'), path.join(project, 'node_modules'));
  await parquet(
    path.join(project, 'bool.parquet'),
    `SELECT 's1' AS store, week, (i % 2 = 0) AS sold FROM (${WEEKS})`,
  );
  await parquet(
    path.join(project, 'struct.parquet'),
    `SELECT {'region': 'n', 'store': 1} AS store, week, 10.0 + i AS qty FROM (${WEEKS})`,
  );
  await parquet(
    path.join(project, 'inf.parquet'),
    `SELECT 's1' AS store, week, CASE WHEN i = 30 THEN '-inf'::DOUBLE ELSE 1770.0 + i END AS qty FROM (${WEEKS})
     UNION ALL SELECT 's2', week, 50.0 + i FROM (${WEEKS})`,
  );
  config('bool', '{ path: bool.parquet, partitionBy: [store], time: week, target: sold, frequency: W }');
  config('struct', '{ path: struct.parquet, partitionBy: [store], time: week, target: qty, frequency: W }');
  config('inf', '{ path: inf.parquet, partitionBy: [store], time: week, target: qty, frequency: W }');
}, 60_000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('mm refuses bad input with a located message', () => {
  it('given a BOOLEAN target column, prepare exits 2 naming the column and its type', async () => {
    const result = await mm('prepare', '--config', 'bool.yaml');
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toContain("column 'sold' (dataset.target) has type BOOLEAN");
  });

  it('given a STRUCT partition key, prepare exits 2 naming the column and its type', async () => {
    const result = await mm('prepare', '--config', 'struct.yaml');
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toMatch(/partition column 'store' \(dataset\.partitionBy\) has type STRUCT/);
  });

  it('given a -inf target value, rejects that partition naming -inf, not some other value', async () => {
    const result = await mm('prepare', '--config', 'inf.yaml');
    expect(result.exitCode, result.all).toBe(0);
    const catalog = await listPartitions(path.join(project, 'lake', 'prepared'));
    const s1 = catalog.find((p) => p.key[0] === 's1')!;
    expect(s1.status).not.toBe('ok');
    expect(s1.reason).toContain('first on 2022-07-31 (-inf)');
    expect(s1.reason).not.toContain('smallest');
    expect(catalog.find((p) => p.key[0] === 's2')!.status).toBe('ok');
  });

  it.each([
    ['score', ['score', '--config', 'inf.yaml', '--run', '../../escaped']],
    ['train', ['train', '--config', 'inf.yaml', '--run', '../escaped']],
    ['evaluate-and-promote', ['evaluate-and-promote', '--config', 'inf.yaml', '--run', '../escaped']],
    ['report', ['report', '--config', 'inf.yaml', '--run', '..']],
  ])(
    'given a run id that climbs out of the storage root, %s exits 2 and writes nothing outside',
    async (_stage, args) => {
      const before = readdirSync(base).sort();
      const result = await mm(...args);
      expect(result.exitCode, result.all).toBe(2);
      expect(result.all).toMatch(/--run '[./]+(escaped)?' is not a run id/);
      expect(readdirSync(base).sort()).toEqual(before);
      expect(existsSync(path.join(project, 'lake', 'escaped'))).toBe(false);
      expect(existsSync(path.join(project, 'escaped'))).toBe(false);
    },
  );
});
