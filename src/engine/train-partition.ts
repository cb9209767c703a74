import type { ForecastConfig } from '../config/schema.ts';
import { modelName } from '../core/model-name.ts';
import type { CandidateKind } from '../core/vocabulary.ts';
import { isoDate, type Series } from '../data/batch.ts';
import { allMetrics, maseScale } from '../metrics/index.ts';
import type { Lineage, Metrics, ModelArtifact } from '../models/artifact.ts';
import { combine } from '../models/combo.ts';
import { MODEL_FACTORIES } from '../models/index.ts';
import { zeroShare } from '../models/intermittent.ts';
import { coverage, fitIntervals, type Intervals, residualsOf } from '../models/intervals.ts';
import { SharedWork } from '../models/shared-work.ts';
import type { FittedModel, SeriesContext } from '../models/types.ts';
import {
  backtestKind,
  backtestOrigins,
  backtestWindows,
  combineBacktests,
  countObserved,
  type KindBacktest,
  pooledMetrics,
} from './backtest.ts';
import {
  applicableCandidates,
  BENCHMARKS,
  baselineKind,
  preferCombination,
  rankCandidates,
} from './selection.ts';

export { baselineKind, rankCandidates, SIMPLICITY } from './selection.ts';

/**
 * Selection for one partition: every configured candidate (and the baseline) is backtested on rolling origins,
 * the best by the configured metric pooled over the windows wins (a combination of the best few is a candidate
 * too), and it and the baseline are refitted on all data. The last window is the holdout whose forecasts the
 * artifact records for promotion. Pure: no I/O, so it runs the same in a worker thread, a test or a benchmark.
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

type Skip = { status: 'skipped'; reason: string; observations: number };

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) return { class: error.name, message: error.message };
  return { class: 'Error', message: String(error) };
}

export function trainPartition(series: Series, options: TrainPartitionOptions): PartitionOutcome {
  const observations = countObserved(series.y);
  try {
    return checkShape(series, options, observations) ?? train(series, options, observations);
  } catch (error) {
    return { status: 'failed', error: errorInfo(error), observations };
  }
}

/** Throws on a series that does not match the config; a skip when there is too little history. */
function checkShape(series: Series, options: TrainPartitionOptions, observations: number): Skip | undefined {
  const { context, forecast, partitionBy } = options;
  const { holdout, minTrainPoints } = forecast;
  if (series.key.length !== partitionBy.length) {
    throw new RangeError(
      `partition key has ${series.key.length} values but partitionBy names ${partitionBy.length} columns`,
    );
  }
  if (series.x.length !== context.features.length) {
    throw new RangeError(
      `series has ${series.x.length} feature arrays but ${context.features.length} features are configured`,
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
  const trainObserved = countObserved(series.y, series.y.length - holdout);
  if (trainObserved < minTrainPoints) {
    return {
      status: 'skipped',
      reason: `${trainObserved} observed periods before the ${holdout}-period holdout; needs minTrainPoints ${minTrainPoints}`,
      observations,
    };
  }
  return undefined;
}

/** What the backtests of one partition gave: per kind, its windows, last-window (holdout) and pooled metrics. */
interface Evaluated {
  backtests: Partial<Record<CandidateKind, KindBacktest>>;
  holdout: Partial<Record<CandidateKind, { forecast: number[]; metrics: Metrics }>>;
  pooled: Partial<Record<CandidateKind, Metrics>>;
  failures: Partial<Record<CandidateKind, ErrorInfo>>;
}

function evaluate(
  kinds: readonly CandidateKind[],
  series: Series,
  context: SeriesContext,
  origins: readonly number[],
  holdout: number,
  scale: number,
): Evaluated {
  const out: Evaluated = { backtests: {}, holdout: {}, pooled: {}, failures: {} };
  const windows = backtestWindows(series, origins);
  for (const kind of kinds)
    record(out, kind, backtestKind(kind, series, context, windows, holdout), series, origins, holdout, scale);
  return out;
}

function record(
  out: Evaluated,
  kind: CandidateKind,
  backtest: KindBacktest,
  series: Series,
  origins: readonly number[],
  holdout: number,
  scale: number,
): void {
  const last = backtest.forecasts.at(-1);
  if (!last) {
    out.failures[kind] = errorInfo(backtest.lastError ?? new Error(`${kind} did not forecast the holdout`));
    return;
  }
  const cut = origins.at(-1)!;
  out.backtests[kind] = backtest;
  const metrics = allMetrics({ actual: series.y.subarray(cut, cut + holdout), forecast: last, scale });
  out.holdout[kind] = { forecast: Array.from(last), metrics };
  // One window: pooling it alone gives the same numbers from the same values in the same order.
  out.pooled[kind] =
    origins.length === 1 ? { ...metrics } : pooledMetrics(backtest, series.y, origins, holdout, scale)!;
}

/** The `combo` candidate: the mean of the best `top` configured candidates by the pooled selection metric. */
function addCombination(
  out: Evaluated,
  forecast: ForecastConfig,
  series: Series,
  origins: readonly number[],
  scale: number,
): CandidateKind[] {
  const singles = forecast.candidates.filter((k) => k !== 'combo');
  const metric = forecast.selectionMetric;
  const ranked = rankCandidates(
    singles,
    Object.fromEntries(singles.map((k) => [k, out.pooled[k]?.[metric]])),
    Object.fromEntries(singles.map((k) => [k, out.pooled[k]?.rmse])),
  );
  const models = ranked.filter((k) => !BENCHMARKS.has(k));
  const pool = forecast.combineFrom === 'models' && models.length >= 2 ? models : ranked;
  const members = pool.slice(0, forecast.combineTop);
  if (members.length < 2) {
    out.failures.combo = {
      class: 'ModelError',
      message: `a combination needs 2 candidates that forecast, got ${members.length}`,
    };
    return [];
  }
  const backtest = combineBacktests(
    members.map((k) => out.backtests[k]!),
    origins.length,
  );
  record(out, 'combo', backtest, series, origins, forecast.holdout, scale);
  return members;
}

/** The model of `kind` fitted on all data; a combination refits its members. */
function refit(
  kind: CandidateKind,
  series: Series,
  context: SeriesContext,
  members: readonly CandidateKind[],
  shared: SharedWork,
): FittedModel {
  if (kind !== 'combo') return MODEL_FACTORIES[kind].fit(series, context, shared);
  return combine(
    members.map((k) => MODEL_FACTORIES[k].fit(series, context, shared)),
    context.features.length,
  );
}

/**
 * Intervals from the chosen candidate's backtest residuals. With more than one window, the coverage they would have
 * had on the holdout is measured honestly: half-widths from the earlier windows only, checked on the last.
 */
function intervalsFor(
  backtest: KindBacktest,
  y: Float64Array,
  origins: readonly number[],
  forecast: ForecastConfig,
): Intervals | undefined {
  const scale = countObserved(y) > 0 && !y.some((v) => v < 0) ? 'log1p' : 'none';
  const { holdout, intervals: levels } = forecast;
  const residuals: number[] = [];
  const earlier: number[] = [];
  backtest.forecasts.forEach((f, w) => {
    if (!f) return;
    const cut = origins[w]!;
    residualsOf(scale, y.subarray(cut, cut + holdout), f, residuals);
    if (w < origins.length - 1) residualsOf(scale, y.subarray(cut, cut + holdout), f, earlier);
  });
  // No observed actual in any window (a holdout inside a gap): no evidence for a width, so no band at all rather
  // than a band of width 0 that claims certainty.
  if (residuals.length === 0) return undefined;
  const fitted = fitIntervals(scale, residuals, levels, holdout);
  const last = backtest.forecasts.at(-1);
  if (earlier.length === 0 || !last) return fitted;
  const cut = origins.at(-1)!;
  const early = fitIntervals(scale, earlier, levels, holdout);
  const covered = early.halfWidths.map((w) => coverage(scale, w, y.subarray(cut, cut + holdout), last));
  return covered.every(Number.isFinite) ? { ...fitted, holdoutCoverage: covered } : fitted;
}

function train(series: Series, options: TrainPartitionOptions, observations: number): PartitionOutcome {
  const { partitionBy, lineage } = options;
  const context = options.forecast.trend ? options.context : { ...options.context, trend: false };
  const { time, y } = series;
  const n = y.length;
  const { holdout } = options.forecast;
  const cut = n - holdout;
  const applicable = applicableCandidates(options.forecast.candidates, zeroShare(y.subarray(0, cut)));
  const forecast = applicable.length > 0 ? { ...options.forecast, candidates: applicable } : options.forecast;
  const m = context.seasonLength;
  const origins = backtestOrigins(y, holdout, forecast.backtestWindows, forecast.minTrainPoints);
  const scale = maseScale(y.subarray(0, cut), m);

  // The baseline every model must beat is the better, on the holdout, of the naive benchmark and the historical
  // mean: beating naive alone is easy on noise, where the mean is the best forecast there is.
  const benchmarks: CandidateKind[] = [baselineKind(n, m, holdout), 'mean'];
  const singles = forecast.candidates.filter((k) => k !== 'combo');
  const kinds = [...new Set<CandidateKind>([...singles, ...benchmarks])];
  const evaluated = evaluate(kinds, series, context, origins, holdout, scale);
  const members = forecast.candidates.includes('combo')
    ? addCombination(evaluated, forecast, series, origins, scale)
    : [];
  const { holdout: candidates, pooled, failures } = evaluated;

  // Promotion judges the holdout, so the baseline is chosen there too.
  const baseline = rankCandidates(
    benchmarks,
    Object.fromEntries(benchmarks.map((k) => [k, candidates[k]?.metrics[forecast.selectionMetric]])),
    Object.fromEntries(benchmarks.map((k) => [k, candidates[k]?.metrics.rmse])),
  )[0];
  if (!baseline) {
    const failure = failures[benchmarks[0]!]!;
    return {
      status: 'failed',
      error: { ...failure, message: `baseline ${benchmarks[0]}: ${failure.message}` },
      observations,
    };
  }
  const scores = Object.fromEntries(
    forecast.candidates.map((k) => [k, pooled[k]?.[forecast.selectionMetric]]),
  );
  const ranked = preferCombination(
    rankCandidates(
      forecast.candidates,
      scores,
      Object.fromEntries(forecast.candidates.map((k) => [k, pooled[k]?.rmse])),
    ),
    scores,
    forecast.comboMargin,
  );
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
  const shared = new SharedWork();
  for (const kind of ranked) {
    try {
      chosen = { kind, model: refit(kind, series, context, members, shared) };
      break;
    } catch (error) {
      refitError ??= error;
      failures[kind] = errorInfo(error);
    }
  }
  if (!chosen) throw refitError;
  const baselineModel =
    chosen.kind === baseline ? chosen.model : MODEL_FACTORIES[baseline].fit(series, context, shared);

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
      actual: Array.from(y.subarray(cut)),
      scale,
      candidates,
      ...(Object.keys(failures).length > 0 ? { failures } : {}),
    },
    backtest: {
      origins: origins.map((o) => isoDate(time[o]!)),
      metric: forecast.selectionMetric,
      scores: Object.fromEntries(Object.entries(pooled).map(([k, v]) => [k, v[forecast.selectionMetric]])),
    },
    lineage,
  };
  const intervals = intervalsFor(evaluated.backtests[chosen.kind]!, y, origins, forecast);
  if (intervals) artifact.intervals = intervals;
  return { status: 'ok', artifact, observations };
}
