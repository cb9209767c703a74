import type { MetricName } from '../core/vocabulary.ts';

/**
 * Forecast accuracy metrics. All are robust to zeros: where a denominator is zero the metric is defined
 * (0 when the forecast is also exact, +Infinity otherwise) instead of NaN, and NaN actuals are ignored, so
 * nothing undefined leaks into aggregates.
 */
type Values = ArrayLike<number>;

/** Throws unless the two series align; the metrics below skip every period where either value is not finite. */
function checkLengths(actual: Values, forecast: Values): void {
  if (actual.length !== forecast.length) {
    throw new RangeError(`actual has ${actual.length} values but forecast has ${forecast.length}`);
  }
}

function ratio(numerator: number, denominator: number): number {
  if (denominator > 0) return numerator / denominator;
  return numerator === 0 ? 0 : Number.POSITIVE_INFINITY;
}

/** Weighted absolute percentage error: sum|a - f| / sum|a|. */
export function wape(actual: Values, forecast: Values): number {
  checkLengths(actual, forecast);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    if (!(Number.isFinite(a) && Number.isFinite(f))) continue;
    err += Math.abs(a - f);
    scale += Math.abs(a);
  }
  return ratio(err, scale);
}

/** Symmetric MAPE in [0, 2]; a period where both actual and forecast are 0 counts as a perfect 0. */
export function smape(actual: Values, forecast: Values): number {
  checkLengths(actual, forecast);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    if (!(Number.isFinite(a) && Number.isFinite(f))) continue;
    n++;
    const d = Math.abs(a) + Math.abs(f);
    sum += d === 0 ? 0 : (2 * Math.abs(a - f)) / d;
  }
  return n === 0 ? 0 : sum / n;
}

export function rmse(actual: Values, forecast: Values): number {
  checkLengths(actual, forecast);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    if (!(Number.isFinite(a) && Number.isFinite(f))) continue;
    n++;
    sum += (a - f) ** 2;
  }
  return n === 0 ? 0 : Math.sqrt(sum / n);
}

/** Relative bias: sum(f - a) / sum|a|; positive means over-forecasting. */
export function bias(actual: Values, forecast: Values): number {
  checkLengths(actual, forecast);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    if (!(Number.isFinite(a) && Number.isFinite(f))) continue;
    err += f - a;
    scale += Math.abs(a);
  }
  if (scale > 0) return err / scale;
  return err === 0 ? 0 : Math.sign(err) * Number.POSITIVE_INFINITY;
}

/**
 * In-sample MAE of the seasonal naive forecast on the training values: the MASE denominator.
 * Falls back to lag 1 when the series is shorter than two seasons.
 */
export function maseScale(train: Values, seasonLength: number): number {
  const lag = train.length > seasonLength ? seasonLength : 1;
  let sum = 0;
  let n = 0;
  for (let i = lag; i < train.length; i++) {
    const a = train[i]!;
    const b = train[i - lag]!;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      sum += Math.abs(a - b);
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

/** Mean absolute scaled error against a precomputed `maseScale`. */
export function mase(actual: Values, forecast: Values, scale: number): number {
  checkLengths(actual, forecast);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    if (!(Number.isFinite(a) && Number.isFinite(f))) continue;
    n++;
    sum += Math.abs(a - f);
  }
  return n === 0 ? 0 : ratio(sum / n, scale);
}

export interface MetricInput {
  actual: Values;
  forecast: Values;
  /** MASE denominator from the training window (see `maseScale`). */
  scale: number;
}

export function metric(name: MetricName, input: MetricInput): number {
  switch (name) {
    case 'wape':
      return wape(input.actual, input.forecast);
    case 'smape':
      return smape(input.actual, input.forecast);
    case 'rmse':
      return rmse(input.actual, input.forecast);
    case 'bias':
      return bias(input.actual, input.forecast);
    case 'mase':
      return mase(input.actual, input.forecast, input.scale);
  }
}

export function allMetrics(input: MetricInput): Record<MetricName, number> {
  return {
    wape: metric('wape', input),
    mase: metric('mase', input),
    smape: metric('smape', input),
    rmse: metric('rmse', input),
    bias: metric('bias', input),
  };
}
