import type { Frequency } from '../core/vocabulary.ts';
import { dateOfEpochDay, epochDayOf } from '../data/batch.ts';

/**
 * Calendar features shared by the generator (which plants holiday effects) and the models (which learn them),
 * so both mean the same thing by "a holiday week". Dates are epoch days (UTC).
 */

/** Length in days of one period at a frequency (months are approximated; only used to span holiday windows). */
export const PERIOD_DAYS: Record<Frequency, number> = { D: 1, W: 7, M: 30 };

function nthWeekdayOfMonth(year: number, month: number, weekday: number, n: number): number {
  const first = new Date(Date.UTC(year, month, 1));
  const offset = (weekday - first.getUTCDay() + 7) % 7;
  return epochDayOf(new Date(Date.UTC(year, month, 1 + offset + 7 * (n - 1))));
}

function lastWeekdayOfMonth(year: number, month: number, weekday: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  const offset = (last.getUTCDay() - weekday + 7) % 7;
  return epochDayOf(last) - offset;
}

const holidayCache = new Map<number, number[]>();

/** US retail holidays of a year: New Year, Memorial Day, Independence Day, Labor Day, Thanksgiving, Christmas. */
export function holidaysOf(year: number): number[] {
  let days = holidayCache.get(year);
  if (!days) {
    days = [
      epochDayOf(new Date(Date.UTC(year, 0, 1))),
      lastWeekdayOfMonth(year, 4, 1),
      epochDayOf(new Date(Date.UTC(year, 6, 4))),
      nthWeekdayOfMonth(year, 8, 1, 1),
      nthWeekdayOfMonth(year, 10, 4, 4),
      epochDayOf(new Date(Date.UTC(year, 11, 25))),
    ];
    holidayCache.set(year, days);
  }
  return days;
}

/** 1 when the period starting on `day` contains a holiday, else 0. */
export function holidayFlag(day: number, frequency: Frequency): number {
  const span = PERIOD_DAYS[frequency];
  const year = dateOfEpochDay(day).getUTCFullYear();
  for (const y of [year, year + 1]) {
    for (const h of holidaysOf(y)) if (h >= day && h < day + span) return 1;
  }
  return 0;
}

/** Position in the year in [0, 1): the phase for Fourier seasonality terms. */
export function yearPhase(day: number): number {
  const date = dateOfEpochDay(day);
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  const next = Date.UTC(date.getUTCFullYear() + 1, 0, 1);
  return (date.getTime() - start) / (next - start);
}

/** 0 = Sunday ... 6 = Saturday. */
export function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/**
 * The date of the period `steps` after `day` at a frequency: the one calendar stepping rule of the project (the
 * generator, scoring's horizon dates and the report all step through it). Months keep the day of the month,
 * clamped to the target month's length, as DuckDB's `date + INTERVAL n MONTH` does in the lake writer: Jan 31 + 1
 * month is Feb 28 (Feb 29 in a leap year), + 2 months Mar 31. Steps count from `day` itself, never from a clamped
 * date, so a month-end series stays on month ends.
 */
export function addPeriods(day: number, steps: number, frequency: Frequency): number {
  if (frequency === 'M') {
    const date = dateOfEpochDay(day);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + steps;
    const monthLength = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return epochDayOf(new Date(Date.UTC(year, month, Math.min(date.getUTCDate(), monthLength))));
  }
  return day + steps * PERIOD_DAYS[frequency];
}

/** The `horizon` period dates following `lastDay`. */
export function futureTimes(lastDay: number, horizon: number, frequency: Frequency): Int32Array {
  const out = new Int32Array(horizon);
  for (let i = 0; i < horizon; i++) out[i] = addPeriods(lastDay, i + 1, frequency);
  return out;
}
