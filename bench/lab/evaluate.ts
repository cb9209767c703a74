// One forecasting task of the lab, as the pipeline does it: train with `trainPartition` (as `mm train`), apply
// promotion's beats-the-baseline gate (as `mm evaluate-and-promote`), forecast from the last observation to 12 weeks
// after the cut with the plan matched by date (as `mm score --future`), and score it as bench/accuracy.ts scores.
import type { ForecastConfig } from '../../src/config/schema.ts';
import type { CandidateKind } from '../../src/core/vocabulary.ts';
import type { Series } from '../../src/data/batch.ts';
import { trainPartition } from '../../src/engine/train-partition.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { loadModel } from '../../src/models/index.ts';
import { bands } from '../../src/models/intervals.ts';
import { HELD_OUT, type Meta, type Row, WEEK } from './data.ts';

export interface Task {
  key: string;
  /** The history to train on, ending at its last observation (at or before `cut`). */
  rows: Row[];
  /** Covariates of the weeks after the history (by time); a week without one falls back to the last known. */
  plan: Map<number, Row>;
  /** The observed actuals of the 12 weeks after `cut` that are scored. */
  scored: Row[];
  cut: number;
}

export interface Setting {
  forecast: ForecastConfig;
  /** Promotion's beats-the-baseline gate (`promotion.mustBeatBaseline`), on WAPE with `margin`. */
  gate: boolean;
  margin: number;
  /** The gate's baseline: `best` (the better of the naive benchmark and the mean, as mm does) or `naive`. */
  gateBaseline?: 'best' | 'naive';
  /** Serve the mean of these kinds, each trained alone (a fixed combination), instead of the selection. */
  force?: CandidateKind[];
}

export interface TaskResult {
  key: string;
  promoted: string;
  artifact: ModelArtifact;
  values: Float64Array;
  /** Sum of absolute errors, of |actual|, points scored, points inside the 80 % / 95 % bands. */
  e: number;
  vol: number;
  k: number;
  in80: number;
  in95: number;
  /** Mean absolute error over the in-sample lag-1 MAE of the history (the bench's MASE). */
  mase: number;
}

const LINEAGE = {
  runId: 'lab',
  dataFingerprint: 'lab',
  codeVersion: 'lab',
  configHash: 'lab',
  trainedAt: 'lab',
};

export function seriesOf(key: string, rows: readonly Row[]): Series {
  return {
    key: [key],
    time: Int32Array.from(rows, (r) => r.t),
    y: Float64Array.from(rows, (r) => r.y),
    x: rows[0]!.x.map((_, i) => Float64Array.from(rows, (r) => r.x[i]!)),
  };
}

/** The bench's MASE scale: the mean absolute lag-1 difference over consecutive observed weeks of the history. */
export function maseScaleOf(rows: readonly Row[]): number {
  let sum = 0;
  let m = 0;
  for (let i = 1; i < rows.length; i++) {
    const d = rows[i]!.y - rows[i - 1]!.y;
    if (Number.isFinite(d) && rows[i]!.t - rows[i - 1]!.t === WEEK) {
      sum += Math.abs(d);
      m++;
    }
  }
  return sum / m;
}

function train(meta: Meta, series: Series, forecast: ForecastConfig) {
  return trainPartition(series, {
    context: { frequency: 'W', seasonLength: 52, features: meta.features },
    forecast,
    partitionBy: [meta.key],
    lineage: LINEAGE,
  });
}

/** Runs one task with one setting; a message when the partition is skipped or fails. */
export function runTask(meta: Meta, task: Task, setting: Setting): TaskResult | string {
  const series = seriesOf(task.key, task.rows);
  const forecast = setting.force
    ? { ...setting.forecast, candidates: [setting.force[0]!] }
    : setting.forecast;
  const outcome = train(meta, series, forecast);
  if (outcome.status !== 'ok')
    return `${task.key}: ${outcome.status} ${JSON.stringify(outcome).slice(0, 300)}`;
  const a = outcome.artifact;
  const cand = a.holdout.candidates[a.chosen]?.metrics.wape ?? Number.NaN;
  const baseKind =
    setting.gateBaseline === 'naive'
      ? (['seasonal_naive', 'naive'] as const).find((k) => a.holdout.candidates[k])!
      : a.baseline;
  const base = a.holdout.candidates[baseKind]?.metrics.wape ?? Number.NaN;
  const promoted =
    setting.force || !setting.gate || cand <= base * (1 - setting.margin) ? a.chosen : `${a.baseline}*`;
  const model = loadModel(promoted.endsWith('*') ? a.baselineModel : a.model);
  const last = task.rows.at(-1)!.t;
  const horizon = Math.round((task.cut - last) / WEEK) + HELD_OUT;
  const times = Int32Array.from({ length: horizon }, (_, h) => last + WEEK * (h + 1));
  const request = {
    horizon,
    times,
    future: meta.features.map((_, i) =>
      Float64Array.from(times, (t) => task.plan.get(t)?.x[i] ?? Number.NaN),
    ),
    lenient: true,
  };
  const values = model.forecast(request).values;
  const extra = (setting.force ?? []).slice(1).map((kind) => {
    const o = train(meta, series, { ...setting.forecast, candidates: [kind] });
    if (o.status !== 'ok') throw new Error(`${task.key} ${kind}: ${o.status}`);
    return loadModel(o.artifact.model).forecast(request).values;
  });
  for (const v of extra) for (let h = 0; h < horizon; h++) values[h]! += v[h]!;
  for (let h = 0; h < horizon; h++) values[h]! /= 1 + extra.length;
  const b = a.intervals ? bands(a.intervals, values, a.intervals.scale === 'log1p') : [];
  const result = {
    key: task.key,
    promoted,
    artifact: a,
    values,
    e: 0,
    vol: 0,
    k: 0,
    in80: 0,
    in95: 0,
    mase: 0,
  };
  for (const r of task.scored) {
    const h = Math.round((r.t - last) / WEEK) - 1;
    if (r.t <= task.cut || h >= horizon || !Number.isFinite(r.y)) continue;
    result.e += Math.abs(r.y - values[h]!);
    result.vol += Math.abs(r.y);
    result.k++;
    if (b[0] && r.y >= b[0].lower[h]! && r.y <= b[0].upper[h]!) result.in80++;
    if (b[1] && r.y >= b[1].lower[h]! && r.y <= b[1].upper[h]!) result.in95++;
  }
  result.mase = result.e / result.k / maseScaleOf(task.rows);
  return result;
}

export interface Summary {
  wape: number;
  meanMase: number;
  medianMase: number;
  cover80: number;
  cover95: number;
  points: number;
  tasks: number;
  served: Record<string, number>;
}

export function summarise(results: readonly TaskResult[]): Summary {
  const sum = (f: (r: TaskResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const mases = results.map((r) => r.mase).sort((p, q) => p - q);
  const points = sum((r) => r.k);
  const served: Record<string, number> = {};
  for (const r of results) served[r.promoted] = (served[r.promoted] ?? 0) + 1;
  return {
    wape: sum((r) => r.e) / sum((r) => r.vol),
    meanMase: mases.reduce((p, q) => p + q, 0) / mases.length,
    medianMase: mases[Math.floor(mases.length / 2)]!,
    cover80: sum((r) => r.in80) / points,
    cover95: sum((r) => r.in95) / points,
    points,
    tasks: results.length,
    served,
  };
}
