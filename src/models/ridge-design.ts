import { dayOfWeek } from '../calendar/index.ts';
import type { Frequency } from '../core/vocabulary.ts';
import { cachedHolidayFlag, cachedYearPhase } from './calendar-cache.ts';

/**
 * The ridge model's columns. A column is named in the model state ('lag:1', 'sin:2', 'dow:3', 'holiday',
 * 'trend', 'x:0') so an artifact says what it uses, and compiled to a numeric code for the hot loops.
 */

export const LAG = 0;
export const SIN = 1;
export const COS = 2;
export const DOW = 3;
export const HOLIDAY = 4;
export const TREND = 5;
export const COVARIATE = 6;

export interface CompiledColumns {
  codes: Int8Array;
  args: Int32Array;
  maxLag: number;
}

const CODES: Record<string, number> = {
  lag: LAG,
  sin: SIN,
  cos: COS,
  dow: DOW,
  holiday: HOLIDAY,
  trend: TREND,
  x: COVARIATE,
};

/** Compiled column lists by their names: a run's partitions choose among a handful of lists. */
const compiled = new Map<string, CompiledColumns | string>();
const MAX_COMPILED = 1024;

/**
 * Parses column names; returns the name of the first bad column instead of throwing, for the loader. The result
 * is shared between callers (memoised): read it, never write to it.
 */
export function compileColumns(names: readonly string[]): CompiledColumns | string {
  const key = names.join('\n');
  let result = compiled.get(key);
  if (result === undefined) {
    result = parseColumns(names);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, result);
  }
  return result;
}

function parseColumns(names: readonly string[]): CompiledColumns | string {
  const codes = new Int8Array(names.length);
  const args = new Int32Array(names.length);
  let maxLag = 0;
  for (let c = 0; c < names.length; c++) {
    const name = names[c]!;
    const [head, tail] = name.split(':', 2);
    const code = CODES[head!];
    const arg = tail === undefined ? 0 : Number(tail);
    if (code === undefined || !Number.isInteger(arg) || arg < 0) return name;
    if ((code === HOLIDAY || code === TREND) !== (tail === undefined)) return name;
    if (code === LAG && arg < 1) return name;
    codes[c] = code;
    args[c] = arg;
    if (code === LAG && arg > maxLag) maxLag = arg;
  }
  return { codes, args, maxLag };
}

/**
 * The value of a non-lag, non-covariate column (calendar, holiday, trend) at a date and a time index.
 * Lags and covariates depend on where the values come from (history or forecast), so callers supply them.
 */
export function calendarValue(
  code: number,
  arg: number,
  day: number,
  t: number,
  frequency: Frequency,
): number {
  switch (code) {
    case SIN:
      return Math.sin(2 * Math.PI * arg * cachedYearPhase(day));
    case COS:
      return Math.cos(2 * Math.PI * arg * cachedYearPhase(day));
    case DOW:
      return dayOfWeek(day) === arg ? 1 : 0;
    case HOLIDAY:
      return cachedHolidayFlag(day, frequency);
    case TREND:
      return t;
    default:
      return 0;
  }
}

/** Yearly harmonics by frequency: enough for a smooth retail year without chasing noise (daily data has
 * day-of-week dummies for its main season, so one yearly harmonic). */
const HARMONICS: Record<Frequency, number> = { D: 1, W: 3, M: 2 };

export interface DesignPlan {
  frequency: Frequency;
  seasonLength: number;
  /** Series length and how many of its targets are observed. */
  length: number;
  observed: number;
  /** Days spanned by the series. */
  spanDays: number;
  /** Holiday periods in the series. */
  holidayCount: number;
  /** Indices of covariates that vary and are observed enough to use. */
  covariates: number[];
  /** False leaves the trend column out (`forecast.trend`); absent means true. */
  trend?: boolean;
}

/**
 * Chooses the columns, in priority order, under a budget of one column per eight observations, so short
 * series get few features and the model cannot memorise noise. Groups (all harmonics of one order, all
 * day-of-week dummies) are added whole or not at all.
 */
export function chooseColumns(plan: DesignPlan): string[] {
  const { frequency: f, seasonLength: m } = plan;
  const calendarCoversSeason =
    (f === 'W' && (m === 52 || m === 53)) || (f === 'D' && m === 7) || (f === 'M' && m === 12);
  // A short season's lag also tracks the recent level cheaply; a long one (52 weeks) costs a year of rows.
  const useSeasonLag = (!calendarCoversSeason || m <= 14) && m > 1 && plan.length >= 2 * m + 8;
  const yearly = plan.spanDays >= 364;
  const groups: string[][] = [];
  groups.push(plan.covariates.map((j) => `x:${j}`));
  groups.push(['lag:1']);
  if (plan.holidayCount >= 2 && plan.length - plan.holidayCount >= 2) groups.push(['holiday']);
  if (f === 'D') groups.push([1, 2, 3, 4, 5, 6].map((d) => `dow:${d}`));
  if (useSeasonLag) groups.push([`lag:${m}`]);
  if (yearly) groups.push(['sin:1', 'cos:1']);
  if (plan.trend !== false) groups.push(['trend']);
  if (yearly) for (let k = 2; k <= HARMONICS[f]; k++) groups.push([`sin:${k}`, `cos:${k}`]);
  const rows = plan.observed - (useSeasonLag ? m : 1);
  let budget = Math.max(1, Math.floor(rows / 8));
  const columns: string[] = [];
  for (const group of groups) {
    if (group.length === 0 || group.length > budget) continue;
    columns.push(...group);
    budget -= group.length;
  }
  return columns;
}
