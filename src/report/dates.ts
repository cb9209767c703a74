import { addPeriods } from '../calendar/index.ts';
import type { Frequency } from '../core/vocabulary.ts';
import { dateOfEpochDay, epochDayOf } from '../data/batch.ts';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** Parses the date part of an ISO string (YYYY-MM-DD...) as UTC; throws a clear RangeError otherwise. */
export function parseIsoDate(value: string): Date {
  const match = ISO_DATE.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || Number.isNaN(date.getTime()))
    throw new RangeError(`'${value}' is not an ISO date (YYYY-MM-DD)`);
  return date;
}

const iso = (date: Date) => date.toISOString().slice(0, 10);

/** The dates of `count` consecutive periods starting at `start`, stepped by the calendar's one rule (`addPeriods`). */
export function periodDates(start: string, count: number, frequency: Frequency): string[] {
  const first = epochDayOf(parseIsoDate(start));
  return Array.from({ length: count }, (_, i) => iso(dateOfEpochDay(addPeriods(first, i, frequency))));
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${rest} s`;
  return `${rest} s`;
}
