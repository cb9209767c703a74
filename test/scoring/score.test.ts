import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerRun } from '../../src/engine/register.ts';
import { trainAndReadManifest } from '../../src/engine/run.ts';
import { generatedPaths } from '../../src/generate/generate.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { forecastArtifact } from '../../src/scoring/forecast-artifact.ts';
import { scoreRun } from '../../src/scoring/score.ts';
import { type LakeFixture, preparedLake } from '../engine/fixture.ts';

async function query(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(file);
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

describe('scoreRun', () => {
  let lake: LakeFixture;
  let promoted: string[];
  beforeAll(async () => {
    lake = await preparedLake({ partitions: 24, periods: 80 });
    const run = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 't',
    });
    // Promote all but the first ok partition straight into prod, so one partition has no prod model.
    const prod = new LocalModelRegistry({ root: lake.root, stage: 'prod' });
    const ok = run.manifest.partitions.filter((p) => p.status === 'ok');
    const manifest = { ...run.manifest, partitions: ok.slice(1) };
    await registerRun(manifest, run.runDir, prod);
    promoted = ok.slice(1).map((p) => p.name);
  });

  const score = (runId: string, futurePath?: string) =>
    scoreRun({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      predictionsDir: lake.layout.predictions,
      warehousePath: lake.layout.warehouse,
      runId,
      ...(futurePath ? { futurePath } : {}),
    });

  it('forecasts the horizon for every promoted partition and gives every other one a status row', async () => {
    const result = await score('s1');
    expect(result.byStatus.ok).toBe(promoted.length);
    expect(result.byStatus['no-model']).toBe(result.partitions - promoted.length);
    const rows = await query(
      ':memory:',
      `SELECT model_name, status, count(*) AS n, count(forecast) AS f FROM read_parquet('${result.parquetPath}') GROUP BY ALL`,
    );
    for (const row of rows) {
      if (row.status === 'ok') expect([Number(row.n), Number(row.f)]).toEqual([8, 8]);
      else expect([row.status, Number(row.n), Number(row.f)]).toEqual(['no-model', 1, 0]);
    }
    expect(new Set(rows.filter((r) => r.status === 'ok').map((r) => r.model_name))).toEqual(
      new Set(promoted),
    );
  });

  it('uses planned covariates when given and says when it fell back', async () => {
    const future = generatedPaths(lake.config.dataset.path).future;
    const withFuture = await score('s2', future);
    expect(withFuture.usedFallback).toBe(0);
    const without = await score('s3');
    expect(without.usedFallback).toBeGreaterThan(0);
  });

  it('marks the rows of a baseline stand-in, also one promoted under the old name (mm.role=fallback)', async () => {
    const prod = new LocalModelRegistry({ root: lake.root, stage: 'prod' });
    const [legacy, current] = [promoted[1]!, promoted[2]!];
    const again = async (name: string, tags: Record<string, string>) => {
      const latest = (await prod.load(name))!;
      await prod.registerMany([{ artifact: latest.artifact, tags: { ...latest.version.tags, ...tags } }]);
    };
    await again(legacy, { 'mm.role': 'fallback', 'mm.promotion.outcome': 'promote-fallback' });
    await again(current, { 'mm.role': 'baseline', 'mm.promotion.outcome': 'promote-baseline' });
    const result = await score('s-stand-in');
    const rows = await query(
      ':memory:',
      `SELECT model_name, bool_and(baseline_model) AS b FROM read_parquet('${result.parquetPath}') WHERE status = 'ok' GROUP BY ALL`,
    );
    const standIns = rows.filter((r) => r.b === true).map((r) => r.model_name);
    expect(standIns.sort()).toEqual([legacy, current].sort());
  });

  it('writes the same numbers the shared forecast function gives for the model', async () => {
    const prod = new LocalModelRegistry({ root: lake.root, stage: 'prod' });
    const loaded = (await prod.load(promoted[0]!))!;
    const expected = forecastArtifact(loaded.artifact, { horizon: 8 });
    const rows = await query(
      ':memory:',
      `SELECT forecast, CAST(WeekStarting - DATE '1970-01-01' AS INTEGER) AS day, model_version
         FROM read_parquet('${lake.layout.predictions}/run_id=s1/predictions.parquet')
        WHERE model_name = '${promoted[0]}' ORDER BY WeekStarting`,
    );
    expect(rows.map((r) => r.forecast)).toEqual([...expected.values]);
    expect(rows.map((r) => r.day)).toEqual([...expected.times]);
    expect(rows[0]!.model_version).toBe(loaded.version.version);
  });

  it('loads the warehouse table once per run, however often the run is scored', async () => {
    const again = await score('s1');
    const counts = await query(
      lake.layout.warehouse,
      `SELECT count(*) AS n FROM predictions WHERE run_id = 's1'`,
    );
    expect(Number(counts[0]!.n)).toBe(again.rows);
    const latest = await query(lake.layout.warehouse, 'SELECT DISTINCT run_id FROM latest_predictions');
    expect(latest).toEqual([{ run_id: 's1' }]);
  });
});
