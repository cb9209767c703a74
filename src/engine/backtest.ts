import type { CandidateKind } from '../core/vocabulary.ts';
import type { Series } from '../data/batch.ts';
import { allMetrics } from '../metrics/index.ts';
import type { Metrics } from '../models/artifact.ts';
import { MODEL_FACTORIES } from '../models/index.ts';
import { SharedWork } from '../models/shared-work.ts';
import { type FittedModel, ModelError, type SeriesContext } from '../models/types.ts';

/**
 * Rolling-origin backtests: the series is cut at several origins, each `holdout` periods apart; a candidate is
 * fitted on everything before an origin and forecasts the `holdout` periods after it, with the real covariates.
 * The last window is the holdout that promotion judges; the earlier ones only steady the selection.
 */

export function countObserved(y: ArrayLike<number>, end = y.length): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (Number.isFinite(y[i]!)) count++;
  return count;
}

/**
 * Origins (training window ends), oldest first; the last is `n - holdout`. The earlier windows step back `holdout`
 * periods at a time; a window without a single observed actual (inside a gap) tells nothing and is stepped over,
 * and stepping stops where fewer than `minTrain` observed points would precede the window.
 */
export function backtestOrigins(
  y: Float64Array,
  holdout: number,
  windows: number,
  minTrain: number,
): number[] {
  const cuts: number[] = [y.length - holdout];
  for (let cut = y.length - 2 * holdout; cuts.length < windows; cut -= holdout) {
    if (cut <= 0 || countObserved(y, cut) < minTrain) break;
    if (countObserved(y, cut + holdout) > countObserved(y, cut)) cuts.push(cut);
  }
  return cuts.reverse();
}

/** One candidate's backtest: a forecast per window (null where it failed), and the last window's error if any. */
export interface KindBacktest {
  forecasts: (Float64Array | null)[];
  /** Why the candidate could not forecast the last window (the holdout): it then cannot be chosen. */
  lastError?: unknown;
}

/** One backtest window: the training series before its origin, and the work the candidates fitted on it share. */
export interface BacktestWindow {
  cut: number;
  train: { time: Int32Array; y: Float64Array; x: Float64Array[] };
  shared: SharedWork;
}

/** The windows of `origins`, made once per partition and used by every candidate. */
export function backtestWindows(series: Series, origins: readonly number[]): BacktestWindow[] {
  const { time, y, x } = series;
  return origins.map((cut) => ({
    cut,
    train: { time: time.subarray(0, cut), y: y.subarray(0, cut), x: x.map((f) => f.subarray(0, cut)) },
    shared: new SharedWork(),
  }));
}

function fitAndForecast(
  kind: CandidateKind,
  series: Series,
  context: SeriesContext,
  window: BacktestWindow,
  holdout: number,
): Float64Array {
  const { time, x } = series;
  const { cut } = window;
  const end = cut + holdout;
  const model: FittedModel = MODEL_FACTORIES[kind].fit(window.train, context, window.shared);
  // Lenient as batch scoring is: a covariate the window never saw at 0 (a display share) may be 0 after it.
  const values = model.forecast({
    horizon: holdout,
    times: time.subarray(cut, end),
    future: x.map((f) => f.subarray(cut, end)),
    lenient: true,
  }).values;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new ModelError(`${kind} produced a non-finite forecast`);
  }
  return values;
}

export function backtestKind(
  kind: CandidateKind,
  series: Series,
  context: SeriesContext,
  windows: readonly BacktestWindow[],
  holdout: number,
): KindBacktest {
  const forecasts: (Float64Array | null)[] = [];
  let lastError: unknown;
  for (let w = 0; w < windows.length; w++) {
    try {
      forecasts.push(fitAndForecast(kind, series, context, windows[w]!, holdout));
    } catch (error) {
      forecasts.push(null);
      if (w === windows.length - 1) lastError = error;
    }
  }
  return lastError === undefined ? { forecasts } : { forecasts, lastError };
}

/** The mean of the members' forecasts, per window; null where a member has none. */
export function combineBacktests(members: readonly KindBacktest[], windows: number): KindBacktest {
  const forecasts: (Float64Array | null)[] = [];
  for (let w = 0; w < windows; w++) {
    const parts = members.map((m) => m.forecasts[w]);
    if (parts.some((p) => !p)) {
      forecasts.push(null);
      continue;
    }
    const mean = new Float64Array(parts[0]!.length);
    for (const p of parts) for (let h = 0; h < mean.length; h++) mean[h]! += p![h]! / parts.length;
    forecasts.push(mean);
  }
  return { forecasts };
}

/**
 * Metrics pooled over every window a candidate forecast (errors summed over windows, so WAPE is weighted by
 * volume), MASE against the last window's scale. Undefined when the candidate forecast no window.
 */
export function pooledMetrics(
  backtest: KindBacktest,
  y: Float64Array,
  origins: readonly number[],
  holdout: number,
  scale: number,
): Metrics | undefined {
  const actual: number[] = [];
  const forecast: number[] = [];
  backtest.forecasts.forEach((f, w) => {
    if (!f) return;
    const cut = origins[w]!;
    for (let h = 0; h < holdout; h++) {
      actual.push(y[cut + h]!);
      forecast.push(f[h]!);
    }
  });
  return actual.length === 0 ? undefined : allMetrics({ actual, forecast, scale });
}
