import type { Frequency } from '../core/vocabulary.ts';

/**
 * How far ahead a forecast may reach. Past one season nothing the holdout measured says how good the forecast is;
 * past two years of periods the seasonal and trend terms are pure extrapolation, so the config is refused.
 */
export const PERIODS_PER_YEAR: Record<Frequency, number> = { D: 365, W: 52, M: 12 };

const UNIT: Record<Frequency, string> = { D: 'daily', W: 'weekly', M: 'monthly' };

/** The hard limit: two years of periods. */
export function maxHorizon(frequency: Frequency): number {
  return 2 * PERIODS_PER_YEAR[frequency];
}

/** The issue that refuses a config, or undefined when the horizon is within the hard limit. */
export function horizonError(horizon: number, frequency: Frequency): string | undefined {
  const limit = maxHorizon(frequency);
  if (horizon <= limit) return undefined;
  return `${horizon} ${UNIT[frequency]} periods is beyond the limit of ${limit} (two years): forecasts that far ahead are extrapolation, not forecasts; lower forecast.horizon`;
}

export interface HorizonCheck {
  horizon: number;
  holdout: number;
  frequency: Frequency;
  seasonLength: number;
}

/**
 * Warnings for a horizon that is allowed but unwise: longer than a season (and a quarter year), longer than
 * four holdouts (the holdout measures much nearer forecasts).
 */
export function horizonWarnings(check: HorizonCheck): string[] {
  const { horizon, holdout, frequency, seasonLength } = check;
  const out: string[] = [];
  const season = Math.max(seasonLength, Math.ceil(PERIODS_PER_YEAR[frequency] / 4));
  if (horizon > season) {
    out.push(
      `forecast.horizon: ${horizon} periods reaches beyond one season (${season}); the far periods repeat the seasonal pattern with nothing to check them against`,
    );
  }
  if (horizon > 4 * holdout) {
    out.push(
      `forecast.horizon: ${horizon} periods is more than 4x the holdout (${holdout}); the holdout metrics only speak for the first ${holdout} periods`,
    );
  }
  return out;
}

/** Once the data is known (after prepare): a horizon longer than half the typical history is a warning. */
export function historyWarning(horizon: number, history: number): string | undefined {
  if (!(horizon > history / 2)) return undefined;
  return `forecast.horizon: ${horizon} periods is more than half the typical history (${Math.round(history)} periods per series)`;
}
