import type { ForecastConfig } from '../config/schema.ts';
import { modelName } from '../core/model-name.ts';
import type { CandidateKind } from '../core/vocabulary.ts';
import { isoDate, type Series } from '../data/batch.ts';
import { allMetrics, maseScale } from '../metrics/index.ts';
import type { Lineage, Metrics, ModelArtifact } from '../models/artifact.ts';
import { MODEL_FACTORIES } from '../models/index.ts';
import { type FittedModel, ModelError, type SeriesContext } from '../models/types.ts';

/**
 * Selection for one partition: fit every configured candidate (and the baseline) on the training window,
 * score each on the holdout, keep the best by the configured metric, refit it and the baseline on all data.
 * Pure: no I/O, so it runs the same inside a worker thread, a test or a benchmark.
 */

export interface TrainPartitionOptions {
  context: SeriesContext;
  forecast: ForecastConfig;
  partitionBy: string[];
  lineage: Lineage;
}

type ErrorInfo = { class: string; message: string };

export type PartitionOutcome =
  | { status: 'ok'; artifact: ModelArtifact; observations: number }
  | { status: 'skipped'; reason: string; observations: number }
  | { status: 'failed'; error: ErrorInfo; observations: number };

/** Simplest first: on a tie in the selection metric the earlier kind wins. */
export const SIMPLICITY: readonly CandidateKind[] = ['naive', 'seasonal_naive', 'mean', 'ets', 'ridge'];

type Fitted = { forecast: number[]; metrics: Metrics };

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) return { class: error.name, message: error.message };
  return { class: 'Error', message: String(error) };
}

function countObserved(y: Float64Array): number {
  let count = 0;
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!)) count++;
  return count;
}

/** The naive benchmark: seasonal naive once there are two seasons before the holdout, else naive. */
export function baselineKind(length: number, seasonLength: number, holdout: number): CandidateKind {
  return seasonLength >= 2 && length >= 2 * seasonLength + holdout ? 'seasonal_naive' : 'naive';
}

/**
 * Orders successful candidates best first. A non-finite score (WAPE on an all-zero holdout) ranks after every
 * finite one; among non-finite ones `fallback` (RMSE, always finite) decides. Ties go to the simpler model.
 */
export function rankCandidates(
  kinds: readonly CandidateKind[],
  scores: Partial<Record<CandidateKind, number>>,
  fallback: Partial<Record<CandidateKind, number>> = {},
): CandidateKind[] {
  const finiteOrInf = (v: number | undefined) =>
    v !== undefined && Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  const key = (kind: CandidateKind): [number, number] => {
    const score = finiteOrInf(scores[kind]);
    return [score, score === Number.POSITIVE_INFINITY ? finiteOrInf(fallback[kind]) : 0];
  };
  const compare = (a: number, b: number) => (a === b ? 0 : a < b ? -1 : 1);
  return kinds
    .filter((kind) => scores[kind] !== undefined)
    .sort((a, b) => {
      const [a1, a2] = key(a);
      const [b1, b2] = key(b);
      return compare(a1, b1) || compare(a2, b2) || SIMPLICITY.indexOf(a) - SIMPLICITY.indexOf(b);
    });
}

export function trainPartition(series: Series, options: TrainPartitionOptions): PartitionOutcome {
  const observations = countObserved(series.y);
  try {
    return train(series, options, observations);
  } catch (error) {
    return { status: 'failed', error: errorInfo(error), observations };
  }
}

function train(series: Series, options: TrainPartitionOptions, observations: number): PartitionOutcome {
  const { context, forecast, partitionBy, lineage } = options;
  const { time, y, x } = series;
  const n = y.length;
  const { holdout, minTrainPoints } = forecast;
  if (series.key.length !== partitionBy.length) {
    throw new RangeError(
      `partition key has ${series.key.length} values but partitionBy names ${partitionBy.length} columns`,
    );
  }
  if (x.length !== context.features.length) {
    throw new RangeError(
      `series has ${x.length} feature arrays but ${context.features.length} features are configured`,
    );
  }
  const needed = holdout + minTrainPoints;
  if (observations < needed) {
    return {
      status: 'skipped',
      reason: `${observations} observed periods; needs at least ${needed} (holdout ${holdout} + minTrainPoints ${minTrainPoints})`,
      observations,
    };
  }
  const cut = n - holdout;
  const trainY = y.subarray(0, cut);
  const trainObserved = countObserved(trainY);
  if (trainObserved < minTrainPoints) {
    return {
      status: 'skipped',
      reason: `${trainObserved} observed periods before the ${holdout}-period holdout; needs minTrainPoints ${minTrainPoints}`,
      observations,
    };
  }

  const m = context.seasonLength;
  // The baseline every model must beat is the better, on this holdout, of the naive benchmark and the
  // historical mean: beating naive alone is easy on noise, where the mean is the best forecast there is.
  const benchmarks: CandidateKind[] = [baselineKind(n, m, holdout), 'mean'];
  const kinds = [...new Set<CandidateKind>([...forecast.candidates, ...benchmarks])];
  const trainSeries = { time: time.subarray(0, cut), y: trainY, x: x.map((f) => f.subarray(0, cut)) };
  const request = { horizon: holdout, times: time.subarray(cut), future: x.map((f) => f.subarray(cut)) };
  const actual = y.subarray(cut);
  const scale = maseScale(trainY, m);

  const candidates: Partial<Record<CandidateKind, Fitted>> = {};
  const failures: Partial<Record<CandidateKind, ErrorInfo>> = {};
  for (const kind of kinds) {
    try {
      const values = MODEL_FACTORIES[kind].fit(trainSeries, context).forecast(request).values;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i]!)) throw new ModelError(`${kind} produced a non-finite forecast`);
      }
      candidates[kind] = {
        forecast: Array.from(values),
        metrics: allMetrics({ actual, forecast: values, scale }),
      };
    } catch (error) {
      failures[kind] = errorInfo(error);
    }
  }

  const metricOf = (kind: CandidateKind) => candidates[kind]?.metrics[forecast.selectionMetric];
  const rmseOf = (kind: CandidateKind) => candidates[kind]?.metrics.rmse;
  const baseline = rankCandidates(
    benchmarks,
    Object.fromEntries(benchmarks.map((k) => [k, metricOf(k)])),
    Object.fromEntries(benchmarks.map((k) => [k, rmseOf(k)])),
  )[0];
  if (!baseline) {
    const failure = failures[benchmarks[0]!]!;
    return {
      status: 'failed',
      error: { ...failure, message: `baseline ${benchmarks[0]}: ${failure.message}` },
      observations,
    };
  }
  const scores: Partial<Record<CandidateKind, number>> = {};
  const rmses: Partial<Record<CandidateKind, number>> = {};
  for (const kind of forecast.candidates) {
    const fitted = candidates[kind];
    if (fitted) {
      scores[kind] = fitted.metrics[forecast.selectionMetric];
      rmses[kind] = fitted.metrics.rmse;
    }
  }
  const ranked = rankCandidates(forecast.candidates, scores, rmses);
  if (ranked.length === 0) {
    const first = failures[forecast.candidates[0]!]!;
    return {
      status: 'failed',
      error: {
        class: first.class,
        message: `every candidate failed; ${forecast.candidates[0]}: ${first.message}`,
      },
      observations,
    };
  }

  // Refit on all data; if the winner cannot be refitted, the next best takes its place.
  let chosen: { kind: CandidateKind; model: FittedModel } | undefined;
  let refitError: unknown;
  for (const kind of ranked) {
    try {
      chosen = { kind, model: MODEL_FACTORIES[kind].fit(series, context) };
      break;
    } catch (error) {
      refitError ??= error;
      failures[kind] = errorInfo(error);
    }
  }
  if (!chosen) throw refitError;
  const baselineModel =
    chosen.kind === baseline ? chosen.model : MODEL_FACTORIES[baseline].fit(series, context);

  const artifact: ModelArtifact = {
    schemaVersion: 1,
    name: modelName(series.key),
    partition: Object.fromEntries(partitionBy.map((column, i) => [column, series.key[i]!])),
    chosen: chosen.kind,
    baseline,
    model: chosen.model.toState(),
    baselineModel: baselineModel.toState(),
    features: [...context.features],
    frequency: context.frequency,
    seasonLength: m,
    window: { start: isoDate(time[0]!), end: isoDate(time[n - 1]!), observations },
    holdout: {
      start: isoDate(time[cut]!),
      end: isoDate(time[n - 1]!),
      actual: Array.from(actual),
      scale,
      candidates,
      ...(Object.keys(failures).length > 0 ? { failures } : {}),
    },
    lineage,
  };
  return { status: 'ok', artifact, observations };
}
