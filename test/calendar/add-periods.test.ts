import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { addPeriods, futureTimes } from '../../src/calendar/index.ts';
import { dateOfEpochDay, epochDayOf } from '../../src/data/batch.ts';
import { periodDates } from '../../src/report/dates.ts';

const day = (iso: string) => epochDayOf(new Date(`${iso}T00:00:00Z`));
const iso = (d: number) => dateOfEpochDay(d).toISOString().slice(0, 10);
const months = (from: string, steps: number) => iso(addPeriods(day(from), steps, 'M'));

describe('addPeriods: the one calendar stepping rule', () => {
  it('given Jan 31, when a month is added, then it is the last day of February (29 in a leap year)', () => {
    expect(months('2023-01-31', 1)).toBe('2023-02-28');
    expect(months('2024-01-31', 1)).toBe('2024-02-29');
    expect(months('2100-01-31', 1)).toBe('2100-02-28'); // a century that is not a leap year
    expect(months('2000-01-31', 1)).toBe('2000-02-29'); // one that is
  });

  it('given a month end, when several months are added, then each step counts from the start date, not a clamped one', () => {
    expect(months('2024-01-31', 2)).toBe('2024-03-31');
    expect(months('2024-08-31', 1)).toBe('2024-09-30');
    expect(months('2023-12-31', 2)).toBe('2024-02-29');
    expect(months('2024-02-29', 12)).toBe('2025-02-28');
    expect(months('2024-02-29', 48)).toBe('2028-02-29');
    expect(months('2024-03-31', -1)).toBe('2024-02-29');
    expect(iso(futureTimes(day('2023-10-31'), 4, 'M')[3]!)).toBe('2024-02-29');
  });

  it('given weeks and days, when periods are added, then they are 7 and 1 days', () => {
    expect(iso(addPeriods(day('2024-02-26'), 1, 'W'))).toBe('2024-03-04');
    expect(iso(addPeriods(day('2024-02-28'), 1, 'D'))).toBe('2024-02-29');
  });

  it('given every day of 2023 and 2024, when 1 to 14 months are added, then the result is what DuckDB writes into the lake', async () => {
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT CAST(d - DATE '1970-01-01' AS INTEGER) AS d, s,
                CAST(CAST(d + to_months(s) AS DATE) - DATE '1970-01-01' AS INTEGER) AS t
           FROM (SELECT CAST(r AS DATE) AS d FROM range(DATE '2023-01-01', DATE '2025-01-01', INTERVAL 1 DAY) t(r)),
                (SELECT CAST(n AS INTEGER) AS s FROM range(1, 15) m(n))`,
      );
      const rows = reader.getRowObjectsJS();
      expect(rows.length).toBe(731 * 14);
      const differ = rows.filter((r) => addPeriods(Number(r.d), Number(r.s), 'M') !== Number(r.t));
      expect(differ.map((r) => `${iso(Number(r.d))} + ${r.s}`)).toEqual([]);
    } finally {
      connection.closeSync();
      duck.closeSync();
    }
  });

  it('given a month-end holdout start, when the report dates it, then it uses the same rule', () => {
    expect(periodDates('2024-01-31', 3, 'M')).toEqual(['2024-01-31', '2024-02-29', '2024-03-31']);
  });
});
