// A Parquet time column of instants (TIMESTAMPTZ) is dated in UTC whatever the host's time zone: `mm prepare`
// started with TZ=UTC and with TZ=Asia/Tokyo prepares the same lake (same dates, same fingerprint).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
let project: string;

async function sql<T>(query: string): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run("SET TimeZone = 'UTC'");
  try {
    return (await connection.runAndReadAll(query)).getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), 'mm-time-zones-'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(project, 'node_modules'));
  mkdirSync(path.join(project, 'environments'));
  mkdirSync(path.join(project, 'configs'));
  mkdirSync(path.join(project, 'raw'));
  writeFileSync(path.join(project, 'environments/local.yaml'), 'storage:\n  kind: local\n  root: lake\n');
  // Weekly sales stamped Mondays 23:30 UTC: already Tuesday in Tokyo, still Monday in UTC.
  const file = path.join(project, 'raw', 'instants.parquet');
  await sql(
    `COPY (
       SELECT 'S' || s AS Store, TIMESTAMPTZ '2024-01-01 23:30:00+00' + INTERVAL (w * 7) DAY AS WeekStarting,
              CAST(10 + s + (w % 5) AS DOUBLE) AS Quantity
       FROM range(3) r(s), range(30) q(w)
     ) TO '${file}' (FORMAT parquet)`,
  );
  for (const zone of ['utc', 'tokyo']) {
    writeFileSync(
      path.join(project, `configs/${zone}.yaml`),
      [
        'dataset: { path: ../raw/instants.parquet, partitionBy: [Store], time: WeekStarting, target: Quantity, frequency: W }',
        'forecast: { horizon: 4, holdout: 8 }',
        '',
      ].join('\n'),
    );
  }
}, 60_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

async function prepareIn(zone: string, tz: string) {
  const result = await execa(
    process.execPath,
    [path.join(repo, 'src/cli/main.ts'), 'prepare', '--config', `configs/${zone}.yaml`],
    { cwd: project, reject: false, all: true, env: { CI: 'true', TZ: tz } },
  );
  expect(result.exitCode, result.all).toBe(0);
  const prepared = path.join(project, 'lake', 'datasets', zone, 'prepared');
  const meta = JSON.parse(readFileSync(path.join(prepared, 'meta.json'), 'utf8')) as {
    dataFingerprint: string;
  };
  const [first] = await sql<{ first: string; weekday: number }>(
    `SELECT CAST(min(WeekStarting) AS VARCHAR) AS first, CAST(dayofweek(min(WeekStarting)) AS INTEGER) AS weekday
       FROM read_parquet('${prepared}/bucket=*/*.parquet')`,
  );
  return { fingerprint: meta.dataFingerprint, ...first! };
}

describe('a TIMESTAMPTZ time column', () => {
  it('is dated in UTC under TZ=UTC and under TZ=Asia/Tokyo alike', async () => {
    const utc = await prepareIn('utc', 'UTC');
    const tokyo = await prepareIn('tokyo', 'Asia/Tokyo');
    expect(utc.first).toBe('2024-01-01');
    expect(utc.weekday).toBe(1); // Monday
    expect(tokyo.first).toBe(utc.first);
    expect(tokyo.fingerprint).toBe(utc.fingerprint);
  }, 120_000);
});
