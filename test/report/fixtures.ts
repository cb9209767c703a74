import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { modelName } from '../../src/core/model-name.ts';
import type { CandidateKind } from '../../src/core/vocabulary.ts';
import type { PartitionRecord, PartitionStatus, RunManifest } from '../../src/engine/manifest.ts';
import { allMetrics } from '../../src/metrics/index.ts';
import type { Metrics, ModelArtifact } from '../../src/models/artifact.ts';
import type { Intervals } from '../../src/models/intervals.ts';
import type { DecisionRecord, DecisionsFile } from '../../src/promotion/decision-record.ts';
import { lakeLayout } from '../../src/storage/layout.ts';

/**
 * Hand-built runs for the report: a manifest, small artifacts, decisions and (optionally) a prepared lake and a
 * predictions table, all written as the stages write them. Holdout forecasts are built so that each
 * candidate's WAPE is exactly the number asked for: forecast = actual * (1 ± wape), alternating.
 */
export const PARTITION_BY = ['Store', 'Brand'];
export const TIME = 'WeekStarting';
export const TARGET = 'Quantity';
export const HOLDOUT_START = '2024-01-01';
export const HOLDOUT = 8;
const MS_DAY = 86_400_000;

export const HOSTILE_KEY = ['<script>alert("x")</script>', `O'Brien & "Sons" \u202Eexe.txt 日本🚀`];

export interface PartitionSpec {
  key: string[];
  status?: PartitionStatus;
  /** Holdout WAPE per candidate; the chosen one and the baseline must be among them. */
  wape?: Partial<Record<CandidateKind, number>>;
  chosen?: CandidateKind;
  baseline?: CandidateKind;
  /** Leave the baseline out of the manifest record, as manifests written before it was recorded do. */
  omitBaseline?: boolean;
  outcome?: DecisionRecord['outcome'];
  /** Write no artifact file for it. */
  noArtifact?: boolean;
  /** The chosen model's prediction intervals, as training records them in the artifact. */
  intervals?: Intervals;
}

export interface RunFixture {
  root: string;
  runId: string;
  runDir: string;
  names: string[];
}

export function weekly(start: string, count: number): string[] {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(t0 + i * 7 * MS_DAY).toISOString().slice(0, 10));
}

export function actualOf(index: number): number[] {
  return Array.from({ length: HOLDOUT }, (_, t) => 100 + 10 * index + 5 * Math.sin(t));
}

export function forecastWith(actual: readonly number[], wape: number): number[] {
  return actual.map((a, t) => a * (1 + (t % 2 === 0 ? wape : -wape)));
}

const created: string[] = [];

export function tempRoot(prefix = 'mm-report-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** For `afterAll`: removes every folder `tempRoot` made in this test file. */
export function removeTempRoots(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `runs/<runId>/` with manifest.json, artifacts/ and (unless `decisions: false`) decisions.json. */
export function writeRun(
  root: string,
  runId: string,
  specs: readonly PartitionSpec[],
  options: { decisions?: boolean } = {},
): RunFixture {
  const runDir = lakeLayout(root).run(runId);
  mkdirSync(path.join(runDir, 'artifacts'), { recursive: true });
  const records: PartitionRecord[] = [];
  const decisions: DecisionRecord[] = [];
  specs.forEach((spec, index) => {
    const name = modelName(spec.key);
    const status = spec.status ?? 'ok';
    if (status !== 'ok') {
      records.push({
        name,
        key: spec.key,
        status,
        ...(status === 'failed'
          ? {
              error: {
                class: 'ValidationError',
                message: `target has 3 negative values in ${spec.key.join('/')}`,
              },
            }
          : { reason: '10 observed periods; needs at least 16' }),
        observations: 10,
        durationMs: 1,
      });
      decisions.push(decision(name, spec, 'not-trained'));
      return;
    }
    const actual = actualOf(index);
    const candidates: ModelArtifact['holdout']['candidates'] = {};
    const metrics: Partial<Record<CandidateKind, Metrics>> = {};
    for (const [kind, wape] of Object.entries(spec.wape ?? {}) as [CandidateKind, number][]) {
      const forecast = forecastWith(actual, wape);
      const m = allMetrics({ actual, forecast, scale: 20 });
      candidates[kind] = { forecast, metrics: m };
      metrics[kind] = m;
    }
    const chosen = spec.chosen!;
    const baseline = spec.baseline ?? 'seasonal_naive';
    const artifact = {
      schemaVersion: 1,
      name,
      partition: Object.fromEntries(PARTITION_BY.map((c, i) => [c, spec.key[i]!])),
      chosen,
      baseline,
      model: { kind: chosen, version: 1, params: {} },
      baselineModel: { kind: baseline, version: 1, params: {} },
      features: ['Price'],
      frequency: 'W',
      seasonLength: 52,
      window: { start: '2022-01-03', end: weekly(HOLDOUT_START, HOLDOUT)[HOLDOUT - 1]!, observations: 112 },
      holdout: {
        start: HOLDOUT_START,
        end: weekly(HOLDOUT_START, HOLDOUT)[HOLDOUT - 1]!,
        actual,
        scale: 20,
        candidates,
      },
      lineage: { runId, codeVersion: 'abc123', dataFingerprint: 'fp-1', trainedAt: '2024-03-01T00:00:00Z' },
      ...(spec.intervals ? { intervals: spec.intervals } : {}),
    } satisfies ModelArtifact;
    const relative = `artifacts/${name}.json`;
    if (!spec.noArtifact) writeFileSync(path.join(runDir, relative), JSON.stringify(artifact));
    records.push({
      name,
      key: spec.key,
      status: 'ok',
      chosen,
      ...(spec.omitBaseline ? {} : { baseline }),
      metrics,
      artifact: relative,
      observations: 112,
      durationMs: 3,
    });
    decisions.push(
      decision(name, spec, spec.outcome ?? 'promote', metrics[chosen]!.wape, metrics[baseline]!.wape),
    );
  });
  records.sort((a, b) => (a.name < b.name ? -1 : 1));
  const totals = { ok: 0, failed: 0, skipped: 0 };
  for (const r of records) totals[r.status] += 1;
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId,
    startedAt: '2024-03-01T10:00:00.000Z',
    finishedAt: '2024-03-01T10:02:05.000Z',
    codeVersion: 'abc123',
    dataFingerprint: 'fp-1',
    partitionBy: PARTITION_BY,
    shard: null,
    totals,
    partitions: records,
  };
  writeFileSync(path.join(runDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  if (options.decisions !== false) {
    const file: DecisionsFile = {
      schemaVersion: 1,
      runId,
      rulesVersion: '1',
      dryRun: false,
      decidedAt: '2024-03-01T10:05:00.000Z',
      totals: { promote: 0, 'keep-champion': 0, 'promote-baseline': 0, 'not-trained': 0 },
      decisions,
    };
    for (const d of decisions) file.totals[d.outcome] += 1;
    writeFileSync(path.join(runDir, 'decisions.json'), JSON.stringify(file, null, 2));
  }
  return { root, runId, runDir, names: specs.map((s) => modelName(s.key)) };
}

function decision(
  name: string,
  spec: PartitionSpec,
  outcome: DecisionRecord['outcome'],
  candidate: number | null = null,
  baseline: number | null = null,
): DecisionRecord {
  const failed = outcome === 'keep-champion' || outcome === 'promote-baseline';
  return {
    name,
    key: spec.key,
    outcome,
    reasons: failed
      ? [
          'beats-baseline failed: wape 0.3000 (ridge) vs baseline 0.2500 (seasonal_naive) needing <= 0.2375 (margin 0.05)',
        ]
      : ['passes min-history, beats-baseline'],
    checks: failed ? [{ rule: 'beats-baseline', passed: false, detail: 'wape 0.3 vs 0.25' }] : [],
    metricName: 'wape',
    metrics: { candidate, baseline, champion: null },
    candidateKind: spec.chosen ?? null,
    championKind: null,
    prodVersion: outcome === 'promote' ? 1 : null,
  };
}

async function writeParquet(file: string, rows: object[], columns: Record<string, string>): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const json = `${file}.ndjson`;
  writeFileSync(json, rows.map((r) => JSON.stringify(r)).join('\n'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const spec = Object.entries(columns)
      .map(([c, t]) => `'${c}': '${t}'`)
      .join(', ');
    await conn.run(
      `COPY (SELECT * FROM read_json('${json}', format = 'newline_delimited', columns = {${spec}})) TO '${file}' (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/**
 * A prepared lake (one bucket, as `mm prepare` writes for small data) holding 60 weeks of history before the
 * holdout and the holdout itself for each partition, and its meta.json.
 */
export async function writePrepared(root: string, keys: readonly string[][]): Promise<void> {
  const dir = lakeLayout(root).prepared;
  const dates = weekly('2022-11-07', 60 + HOLDOUT);
  const rows = keys.flatMap((key, index) =>
    dates.map((d, t) => ({
      Store: key[0],
      Brand: key[1],
      [TIME]: d,
      [TARGET]: t < 60 ? 90 + 10 * index + (t % 4) : actualOf(index)[t - 60],
      Price: 2.5,
    })),
  );
  await writeParquet(path.join(dir, 'bucket=000', 'part.parquet'), rows, {
    Store: 'VARCHAR',
    Brand: 'VARCHAR',
    [TIME]: 'DATE',
    [TARGET]: 'DOUBLE',
    Price: 'DOUBLE',
  });
  writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({
      schemaVersion: 1,
      partitionBy: PARTITION_BY,
      time: TIME,
      target: TARGET,
      features: ['Price'],
      frequency: 'W',
      buckets: 1,
    }),
  );
}

/**
 * Two scorings of the same partitions (the newer one must win) plus a writer's half-written temp file. The newer
 * one carries intervals: forecast +- 10 (80 %) and +- 20 (95 %); the older one has none (null bounds).
 */
export async function writePredictions(root: string, keys: readonly string[][]): Promise<void> {
  const dir = lakeLayout(root).predictions;
  const future = weekly('2024-02-26', 8);
  const bound = (withBands: boolean, value: number) => (withBands ? value : null);
  const scoring = (runId: string, scoredAt: string, level: number, withBands: boolean) =>
    keys.flatMap((key) =>
      future.map((d, i) => ({
        Store: key[0],
        Brand: key[1],
        [TIME]: d,
        forecast: level + i,
        status: 'ok',
        model_name: modelName(key),
        model_version: 1,
        model_kind: 'ridge',
        used_fallback: false,
        fallback_periods: 0,
        lower_80: bound(withBands, level + i - 10),
        upper_80: bound(withBands, level + i + 10),
        lower_95: bound(withBands, level + i - 20),
        upper_95: bound(withBands, level + i + 20),
        run_id: runId,
        scored_at: scoredAt,
        message: null,
      })),
    );
  const columns = {
    Store: 'VARCHAR',
    Brand: 'VARCHAR',
    [TIME]: 'DATE',
    forecast: 'DOUBLE',
    status: 'VARCHAR',
    model_name: 'VARCHAR',
    model_version: 'INTEGER',
    model_kind: 'VARCHAR',
    used_fallback: 'BOOLEAN',
    fallback_periods: 'INTEGER',
    lower_80: 'DOUBLE',
    upper_80: 'DOUBLE',
    lower_95: 'DOUBLE',
    upper_95: 'DOUBLE',
    run_id: 'VARCHAR',
    scored_at: 'TIMESTAMP',
    message: 'VARCHAR',
  };
  await writeParquet(
    path.join(dir, 'run_id=old', 'predictions.parquet'),
    scoring('old', '2024-02-01 00:00:00', 1000, false),
    columns,
  );
  await writeParquet(
    path.join(dir, 'run_id=new', 'predictions.parquet'),
    scoring('new', '2024-03-02 00:00:00', 120, true),
    columns,
  );
  writeFileSync(path.join(dir, 'run_id=new', '.predictions.123.tmp.parquet'), 'not parquet at all');
}

/** A run with real signal: the chosen models beat their baselines clearly, plus the awkward cases. */
export function signalSpecs(): PartitionSpec[] {
  const ok = (i: number, model: number, base: number, extra: Partial<PartitionSpec> = {}): PartitionSpec => ({
    key: [`S${i}`, 'tropicana'],
    wape: { ridge: model, ets: model + 0.05, naive: base + 0.05, seasonal_naive: base },
    chosen: 'ridge',
    ...extra,
  });
  return [
    // S1's intervals were checked out of sample (3 backtest windows); S2's rest on one window.
    ok(1, 0.05, 0.2, {
      intervals: {
        scale: 'none',
        levels: [0.8, 0.95],
        halfWidths: [10, 20],
        steps: HOLDOUT,
        residuals: 3 * HOLDOUT,
        holdoutCoverage: [0.75, 1],
      },
    }),
    ok(2, 0.08, 0.2, {
      intervals: {
        scale: 'log1p',
        levels: [0.8, 0.95],
        halfWidths: [0.1, 0.2],
        steps: HOLDOUT,
        residuals: HOLDOUT,
      },
    }),
    ok(3, 0.1, 0.25),
    ok(4, 0.12, 0.3),
    ok(5, 0.15, 0.3, { outcome: 'keep-champion' }),
    {
      key: ['S6', 'dominicks'],
      wape: { ridge: 0.3, seasonal_naive: 0.22 },
      chosen: 'seasonal_naive',
      outcome: 'promote-baseline',
    },
    { key: HOSTILE_KEY, wape: { ridge: 0.4, seasonal_naive: 0.5 }, chosen: 'ridge' },
    { key: ['S8', 'failed'], status: 'failed' },
    { key: ['S9', 'short'], status: 'skipped' },
  ];
}

/** Pure noise: every chosen model is within a hair of its baseline, or is the baseline. */
export function noiseSpecs(count = 12): PartitionSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const base = 0.3 + 0.01 * i;
    const isBaseline = i % 3 === 0;
    return {
      key: [`N${i}`, 'noise'],
      wape: isBaseline
        ? { seasonal_naive: base, ridge: base + 0.02 }
        : { seasonal_naive: base, ridge: base * 0.99 },
      chosen: isBaseline ? 'seasonal_naive' : 'ridge',
      outcome: isBaseline ? 'promote-baseline' : 'keep-champion',
    } satisfies PartitionSpec;
  });
}
