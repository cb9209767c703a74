// Selection diagnostics on the real datasets, in one process (seconds, not a pipeline run): trains every partition
// with `trainPartition` as `mm train` does, applies promotion's baseline margin as `mm evaluate-and-promote` does,
// forecasts the held-out 12 weeks with the plan and scores them exactly as bench/accuracy.ts scores `mm`.
//   node bench/accuracy-lab.ts cheese|tuna [--work DIR] [--set '{"backtestWindows":3}'] [--force ridge] [--per-series]
// Needs a prepared lake from `node bench/accuracy.ts <dataset> --work DIR` (default /tmp/mm-acc). It reads the
// held-out weeks only to score, never to choose: selection sees the prepared history alone.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type ForecastConfig, forecastSchema } from '../src/config/schema.ts';
import type { CandidateKind } from '../src/core/vocabulary.ts';
import type { Series } from '../src/data/batch.ts';
import { queryOnce } from '../src/data/duckdb.ts';
import { trainPartition } from '../src/engine/train-partition.ts';
import { loadModel } from '../src/models/index.ts';
import { bands } from '../src/models/intervals.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const dataset = args[0] ?? 'cheese';
const dir = path.resolve(option('--work') ?? '/tmp/mm-acc', dataset);
// --force a+b serves the mean of the kinds' forecasts, each trained alone (a fixed combination).
const forceKinds = option('--force')?.split('+') as CandidateKind[] | undefined;
const force = forceKinds?.[0];
const HELD_OUT = 12;
const META = {
  cheese: { file: 'cheese.csv', key: 'Retailer', target: 'Volume', features: ['Price', 'Display'] },
  tuna: { file: 'tuna.csv', key: 'Brand', target: 'Quantity', features: ['Price', 'Promo'] },
}[dataset]!;

const lake = path.join(dir, 'lake/datasets/config');
const prepared = readdirSync(lake)
  .filter((d) => d.startsWith('.prepared.v-'))
  .map((d) => path.join(lake, d))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
const history = await queryOnce(
  `SELECT "${META.key}" AS k, epoch(WeekStarting)::BIGINT / 86400 AS t, "${META.target}" AS y, ${META.features
    .map((f, i) => `"${f}" AS x${i}`)
    .join(', ')} FROM read_parquet('${prepared}/bucket=*/part.parquet') ORDER BY k, t`,
);
const future = await queryOnce(
  `SELECT "${META.key}" AS k, epoch(CAST(WeekStarting AS DATE))::BIGINT / 86400 AS t,
      ${META.features.map((f, i) => `"${f}" AS x${i}`).join(', ')}
     FROM read_csv('${dir}/mm-future.csv') ORDER BY k, WeekStarting`,
);
const actualRows = await queryOnce(
  `SELECT "${META.key}" AS k, epoch(CAST(WeekStarting AS DATE))::BIGINT / 86400 AS t, "${META.target}" AS y
     FROM read_csv('${path.resolve(import.meta.dirname, '../../shared/data', META.file)}') ORDER BY k, t`,
);

const group = (list: Record<string, unknown>[]) => {
  const by = new Map<string, Record<string, unknown>[]>();
  for (const r of list) by.set(String(r.k), [...(by.get(String(r.k)) ?? []), r]);
  return by;
};
const hist = group(history);
const plans = group(future);
const actuals = group(actualRows);

const overrides = JSON.parse(option('--set') ?? '{}') as Partial<ForecastConfig>;
const forecastConfig = forecastSchema.parse({ horizon: HELD_OUT, holdout: HELD_OUT, ...overrides });
if (force) forecastConfig.candidates = [force];
const context = { frequency: 'W' as const, seasonLength: 52, features: META.features };
const margin = Number(option('--margin') ?? 0.05);
// --gate-baseline naive: the gate compares with the naive benchmark alone, not the better of it and the mean.
const gateBaseline = option('--gate-baseline') ?? 'best';

let err = 0;
let vol = 0;
let in80 = 0;
let in95 = 0;
let npts = 0;
const mases: number[] = [];
const chosen = new Map<string, number>();
const perSeries: string[] = [];
const started = performance.now();
const cpu0 = process.cpuUsage();
// --dev: the honest design set. The last 12 weeks of the prepared history are held out instead (with their
// covariates as the plan) and the real held-out weeks are not read, so design choices are made without them.
const dev = args.includes('--dev');
for (const [key, full] of hist) {
  const lastT = Number(full.at(-1)!.t);
  const list = dev ? full.filter((r) => Number(r.t) <= lastT - 7 * HELD_OUT) : full;
  const devRows = full.filter((r) => Number(r.t) > lastT - 7 * HELD_OUT);
  const n = list.length;
  const series: Series = {
    key: [key],
    time: Int32Array.from(list, (r) => Number(r.t)),
    y: Float64Array.from(list, (r) => (r.y === null ? Number.NaN : Number(r.y))),
    x: META.features.map((_, i) => Float64Array.from(list, (r) => Number(r[`x${i}`]))),
  };
  const train = (config: ForecastConfig) =>
    trainPartition(series, {
      context,
      forecast: config,
      partitionBy: [META.key],
      lineage: {
        runId: 'lab',
        dataFingerprint: 'lab',
        codeVersion: 'lab',
        configHash: 'lab',
        trainedAt: 'lab',
      },
    } as Parameters<typeof trainPartition>[1]);
  const outcome = train(forecastConfig);
  const extra = (forceKinds ?? []).slice(1).map((kind) => {
    const o = train({ ...forecastConfig, candidates: [kind] });
    if (o.status !== 'ok') throw new Error(`${kind}: ${o.status}`);
    return loadModel(o.artifact.model);
  });
  if (outcome.status !== 'ok') {
    console.log(`${key}: ${outcome.status} ${JSON.stringify(outcome)}`);
    continue;
  }
  const a = outcome.artifact;
  const metric = 'wape';
  const cand = a.holdout.candidates[a.chosen]?.metrics[metric] ?? Number.NaN;
  const baseKind =
    gateBaseline === 'best'
      ? a.baseline
      : (['seasonal_naive', 'naive'] as const).find((k) => a.holdout.candidates[k])!;
  const base = a.holdout.candidates[baseKind]?.metrics[metric] ?? Number.NaN;
  const promoted =
    force || args.includes('--no-gate') || cand <= base * (1 - margin) ? a.chosen : `${a.baseline}*`;
  chosen.set(promoted, (chosen.get(promoted) ?? 0) + 1);
  const model = loadModel(promoted.endsWith('*') ? a.baselineModel : a.model);
  // As bench/accuracy.ts: from the last observation to 12 weeks after the cut, the plan matched by date (a week the
  // plan lacks, in a gap before the cut, falls back to the last known values).
  const plan = new Map((dev ? devRows : plans.get(key)!).map((r) => [Number(r.t), r]));
  const observed: Record<string, unknown>[] = dev ? devRows.filter((r) => r.y !== null) : actuals.get(key)!;
  const last = series.time[n - 1]!;
  const cut = dev ? lastT - 7 * HELD_OUT : Number(actuals.get(key)!.at(-1)!.t) - 7 * HELD_OUT;
  const horizon = Math.round((cut - last) / 7) + HELD_OUT;
  const times = Int32Array.from({ length: horizon }, (_, h) => last + 7 * (h + 1));
  const request = {
    horizon,
    times,
    future: META.features.map((_, i) =>
      Float64Array.from(times, (t) => Number(plan.get(t)?.[`x${i}`] ?? Number.NaN)),
    ),
    lenient: true,
  };
  const values = model.forecast(request).values;
  for (const other of extra) {
    const v = other.forecast(request).values;
    for (let h = 0; h < horizon; h++) values[h]! += v[h]!;
  }
  for (let h = 0; h < horizon; h++) values[h]! /= 1 + extra.length;
  const b = a.intervals ? bands(a.intervals, values, a.intervals.scale === 'log1p') : [];
  // The bench's MASE scale: the lag-1 MAE of the observed history.
  let mae = 0;
  let m = 0;
  for (let i = 1; i < n; i++) {
    const d = series.y[i]! - series.y[i - 1]!;
    if (Number.isFinite(d) && series.time[i]! - series.time[i - 1]! === 7) {
      mae += Math.abs(d);
      m++;
    }
  }
  let e = 0;
  let k = 0;
  for (const r of observed) {
    const h = Math.round((Number(r.t) - last) / 7) - 1;
    if (Number(r.t) <= cut || h >= horizon) continue;
    const y = Number(r.y);
    e += Math.abs(y - values[h]!);
    vol += Math.abs(y);
    k++;
    if (b[0] && y >= b[0].lower[h]! && y <= b[0].upper[h]!) in80++;
    if (b[1] && y >= b[1].lower[h]! && y <= b[1].upper[h]!) in95++;
  }
  if (option('--key') === key) {
    console.log(JSON.stringify(a.model).slice(0, 1500));
    console.log(`${key} ${promoted}: forecast ${Array.from(values, (v) => v.toFixed(0)).join(' ')}`);
    console.log(
      `actual ${observed
        .filter((r) => Number(r.t) > cut)
        .map((r) => `${Math.round((Number(r.t) - last) / 7)}:${r.y}`)
        .join(' ')}`,
    );
  }
  err += e;
  npts += k;
  const mase = e / k / (mae / m);
  mases.push(mase);
  perSeries.push(
    `${key.padEnd(36)} ${promoted.padEnd(8)} mase ${mase.toFixed(3)}  n ${n}  holdout wape ${cand.toFixed(3)} vs ${a.baseline} ${base.toFixed(3)}  scores ${JSON.stringify(
      Object.fromEntries(
        Object.entries(a.backtest?.scores ?? {}).map(([kk, v]) => [kk, Number((v ?? 0).toFixed(3))]),
      ),
    )}`,
  );
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
// Model work alone (train with every backtest, promote's margin, forecast): CPU per series, no I/O or start-up.
const cpuMsPerSeries = (cpu.user + cpu.system) / 1000 / hist.size;
mases.sort((p, q) => p - q);
if (args.includes('--per-series')) console.log(perSeries.join('\n'));
console.log(
  `${dataset} ${JSON.stringify(overrides)}${force ? ` force ${force}` : ''}: WAPE ${(err / vol).toFixed(3)}  mean MASE ${(
    mases.reduce((p, q) => p + q, 0) / mases.length
  ).toFixed(3)}  median MASE ${mases[Math.floor(mases.length / 2)]!.toFixed(3)}  80 % ${(
    (100 * in80) / npts
  ).toFixed(
    0,
  )} %  95 % ${((100 * in95) / npts).toFixed(0)} %  (${npts} points, ${seconds.toFixed(1)} s, ${cpuMsPerSeries.toFixed(2)} ms CPU per series)  served ${JSON.stringify(
    Object.fromEntries(chosen),
  )}`,
);
