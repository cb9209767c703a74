import type { Frequency } from '../core/vocabulary.ts';
import { calendarValue, TREND } from './ridge-design.ts';

/**
 * Calendar columns (harmonics, day-of-week, holidays) by period, computed once per run of dates and worker. Every
 * partition of a run usually spans the same dates, and a backtest window's dates are a prefix of the series', so
 * the columns of one date run serve them all: a design then copies values instead of calling `Math.sin` per row.
 * The values are `calendarValue`'s own, so a design built from them is the same to the bit.
 */

interface Span {
  frequency: Frequency;
  days: Int32Array;
  /** Keyed by `code * 65536 + arg`. */
  columns: Map<number, Float64Array>;
}

/** A few date runs per worker: enough for a run whose partitions start on a handful of dates. */
const MAX_SPANS = 8;
const spans: Span[] = [];

/** Whether `days` starts with `time`. */
function startsWith(days: Int32Array, time: Int32Array): boolean {
  if (days.length < time.length) return false;
  for (let i = 0; i < time.length; i++) if (days[i] !== time[i]) return false;
  return true;
}

function spanOf(time: Int32Array, frequency: Frequency): Span {
  for (let s = 0; s < spans.length; s++) {
    const span = spans[s]!;
    if (span.frequency !== frequency) continue;
    if (startsWith(span.days, time)) return span;
    if (startsWith(time, span.days)) {
      // The same dates, longer: recompute for the longer run (the old columns are its prefix).
      span.days = time.slice();
      span.columns.clear();
      return span;
    }
  }
  const span: Span = { frequency, days: time.slice(), columns: new Map() };
  if (spans.length >= MAX_SPANS) spans.shift();
  spans.push(span);
  return span;
}

/**
 * The values of a calendar column (code and argument as compiled by `compileColumns`, not a lag, covariate or
 * trend) at every period of `time`: index t is the value at `time[t]`. The array may be longer than `time`.
 */
export function calendarColumn(
  code: number,
  arg: number,
  time: Int32Array,
  frequency: Frequency,
): Float64Array {
  if (code === TREND) throw new RangeError('the trend is not a calendar column');
  const span = spanOf(time, frequency);
  const key = code * 65536 + arg;
  let column = span.columns.get(key);
  if (!column) {
    const { days } = span;
    column = new Float64Array(days.length);
    for (let t = 0; t < days.length; t++) column[t] = calendarValue(code, arg, days[t]!, t, frequency);
    span.columns.set(key, column);
  }
  return column;
}
