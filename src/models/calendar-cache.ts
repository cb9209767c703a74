import { holidayFlag, yearPhase } from '../calendar/index.ts';
import type { Frequency } from '../core/vocabulary.ts';

/**
 * Memoised calendar features. Every partition of a run shares the same dates, and the calendar functions
 * allocate Dates, so caching by day keeps feature building allocation-free across thousands of partitions.
 * The caches stay small: one entry per distinct date (a few thousand for decades of daily data).
 */
const phases = new Map<number, number>();
const holidays: Record<Frequency, Map<number, number>> = { D: new Map(), W: new Map(), M: new Map() };

export function cachedYearPhase(day: number): number {
  let v = phases.get(day);
  if (v === undefined) {
    v = yearPhase(day);
    phases.set(day, v);
  }
  return v;
}

export function cachedHolidayFlag(day: number, frequency: Frequency): number {
  const cache = holidays[frequency];
  let v = cache.get(day);
  if (v === undefined) {
    v = holidayFlag(day, frequency);
    cache.set(day, v);
  }
  return v;
}
