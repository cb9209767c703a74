/**
 * Small numeric helpers shared by the models. Targets may hold NaN (filled gaps) and zeros (intermittent
 * demand); these helpers are where that is handled once, so no model emits NaN.
 */

export type TargetTransform = 'log' | 'log1p' | 'none';

export interface TargetSummary {
  /** Finite (observed) values. */
  count: number;
  min: number;
  max: number;
  /** The most recent finite value (NaN when there is none). */
  last: number;
}

export function summarise(y: ArrayLike<number>): TargetSummary {
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let last = Number.NaN;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) continue;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
    last = v;
  }
  return { count, min, max, last };
}

/**
 * The scale a model is fitted on: log when every observation is positive (so multiplicative effects become
 * additive and a log covariate's coefficient is an elasticity), log1p when zeros occur, none when negatives do.
 */
export function chooseTransform(summary: TargetSummary, allowLog1p: boolean): TargetTransform {
  if (summary.count === 0) return 'none';
  if (summary.min > 0) return 'log';
  if (summary.min === 0 && allowLog1p) return 'log1p';
  return 'none';
}

export function forward(transform: TargetTransform, v: number): number {
  if (transform === 'log') return Math.log(v);
  if (transform === 'log1p') return Math.log1p(v);
  return v;
}

export function inverse(transform: TargetTransform, v: number): number {
  if (transform === 'log') return Math.exp(v);
  if (transform === 'log1p') return Math.expm1(v);
  return v;
}

/** Transformed copy; NaN stays NaN. */
export function transformAll(transform: TargetTransform, y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    out[i] = Number.isFinite(v) ? forward(transform, v) : Number.NaN;
  }
  return out;
}

/** Gaps filled with the previous observation (leading gaps with the first one), for use as lag inputs. */
export function fillGaps(z: Float64Array): Float64Array {
  const out = new Float64Array(z.length);
  let first = Number.NaN;
  for (let i = 0; i < z.length; i++) {
    if (Number.isFinite(z[i]!)) {
      first = z[i]!;
      break;
    }
  }
  let prev = first;
  for (let i = 0; i < z.length; i++) {
    const v = z[i]!;
    if (Number.isFinite(v)) prev = v;
    out[i] = prev;
  }
  return out;
}

/**
 * The band a forecast on the fitted scale is kept inside: the observed range widened by its own width on
 * each side. It stops a recursive or trending forecast from running away (or overflowing exp) over a long
 * horizon without touching any forecast that stays near the data.
 */
export function guardBand(summary: TargetSummary): [number, number] {
  const width = summary.max - summary.min;
  return [summary.min - width, summary.max + width];
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, hi));
}

/** Final output value: clipped at 0 for non-negative targets; `+ 0` turns -0 into 0 so JSON round trips. */
export function output(v: number, nonNegative: boolean): number {
  if (nonNegative && !(v > 0)) return 0;
  return v + 0;
}
