import { describe, expect, it } from 'vitest';
import { calendarColumn } from '../../src/models/calendar-columns.ts';
import { COS, calendarValue, DOW, HOLIDAY, SIN, TREND } from '../../src/models/ridge-design.ts';

const weeks = (start: number, n: number) => Int32Array.from({ length: n }, (_, t) => start + 7 * t);

describe('calendarColumn', () => {
  it('given a run of dates, when a column is asked for, then each period holds calendarValue of its date', () => {
    const time = weeks(19_000, 120);
    for (const [code, arg] of [
      [SIN, 1],
      [COS, 3],
      [HOLIDAY, 0],
    ] as const) {
      const column = calendarColumn(code, arg, time, 'W');
      for (let t = 0; t < time.length; t++) {
        expect(column[t]).toBe(calendarValue(code, arg, time[t]!, t, 'W'));
      }
    }
  });

  it('given a backtest window (a prefix of the dates) and then the whole series, then both read the right values', () => {
    const whole = weeks(20_000, 160);
    const prefix = whole.subarray(0, 100);
    const short = calendarColumn(SIN, 2, prefix, 'W');
    for (let t = 0; t < prefix.length; t++) expect(short[t]).toBe(calendarValue(SIN, 2, prefix[t]!, t, 'W'));
    const long = calendarColumn(SIN, 2, whole, 'W');
    expect(long.length).toBeGreaterThanOrEqual(whole.length);
    for (let t = 0; t < whole.length; t++) expect(long[t]).toBe(calendarValue(SIN, 2, whole[t]!, t, 'W'));
  });

  it("given two series on different dates, then neither reads the other one's values", () => {
    const a = weeks(21_000, 60);
    const b = weeks(21_003, 60);
    const days = Int32Array.from({ length: 60 }, (_, t) => 21_000 + t);
    calendarColumn(DOW, 3, days, 'D');
    const ca = calendarColumn(HOLIDAY, 0, a, 'W');
    const cb = calendarColumn(HOLIDAY, 0, b, 'W');
    for (let t = 0; t < 60; t++) {
      expect(ca[t]).toBe(calendarValue(HOLIDAY, 0, a[t]!, t, 'W'));
      expect(cb[t]).toBe(calendarValue(HOLIDAY, 0, b[t]!, t, 'W'));
    }
    const dow = calendarColumn(DOW, 3, days, 'D');
    for (let t = 0; t < 60; t++) expect(dow[t]).toBe(calendarValue(DOW, 3, days[t]!, t, 'D'));
  });

  it('refuses the trend, which depends on the period index, not the date', () => {
    expect(() => calendarColumn(TREND, 0, weeks(19_000, 3), 'W')).toThrow(/trend/);
  });
});
