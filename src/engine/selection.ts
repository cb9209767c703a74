import type { CandidateKind } from '../core/vocabulary.ts';

/** Simplest first: on a tie in the selection metric the earlier kind wins. */
export const SIMPLICITY: readonly CandidateKind[] = [
  'naive',
  'seasonal_naive',
  'mean',
  'intermittent',
  'ets',
  'ridge',
  'arx',
  'combo',
];

/**
 * Share of zero periods from which a series counts as intermittent: the intermittent-demand candidate is tried
 * there only (elsewhere it is a level model that ignores the plan and would only add a chance to pick noise).
 */
export const INTERMITTENT_ZERO_SHARE = 0.3;

/** The configured candidates that apply to a series: `intermittent` only on series with many zeros. */
export function applicableCandidates(
  candidates: readonly CandidateKind[],
  zeroShareOfHistory: number,
): CandidateKind[] {
  return candidates.filter((k) => k !== 'intermittent' || zeroShareOfHistory >= INTERMITTENT_ZERO_SHARE);
}

/** The benchmarks every model must beat; `combineFrom: models` leaves them out of the combination. */
export const BENCHMARKS: ReadonlySet<CandidateKind> = new Set(['naive', 'seasonal_naive', 'mean']);

/**
 * The ranking with the combination moved first unless the best single candidate beats it by more than `margin`
 * (a share of the combination's score). With margin 0 the ranking is returned as it is.
 */
export function preferCombination(
  ranked: readonly CandidateKind[],
  scores: Partial<Record<CandidateKind, number>>,
  margin: number,
): CandidateKind[] {
  const combo = scores.combo;
  const best = ranked[0];
  if (margin === 0 || !best || best === 'combo' || combo === undefined || !Number.isFinite(combo)) {
    return [...ranked];
  }
  const single = scores[best]!;
  if (single < combo * (1 - margin)) return [...ranked];
  return ['combo', ...ranked.filter((k) => k !== 'combo')];
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
