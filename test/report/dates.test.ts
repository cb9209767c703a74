import { describe, expect, it } from 'vitest';
import { formatDuration, parseIsoDate, periodDates } from '../../src/report/dates.ts';

describe('periodDates', () => {
  it('steps days and weeks', () => {
    expect(periodDates('2024-02-27', 3, 'D')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29']);
    expect(periodDates('2023-12-25', 3, 'W')).toEqual(['2023-12-25', '2024-01-01', '2024-01-08']);
  });

  it('keeps month ends on month ends', () => {
    expect(periodDates('2024-01-31', 3, 'M')).toEqual(['2024-01-31', '2024-02-29', '2024-03-31']);
    expect(periodDates('2024-11-01', 3, 'M')).toEqual(['2024-11-01', '2024-12-01', '2025-01-01']);
  });

  it('rejects a value that is not a date, saying which', () => {
    expect(() => parseIsoDate('yesterday')).toThrow("'yesterday' is not an ISO date");
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_723_000)).toBe('1 h 2 min');
    expect(formatDuration(Number.NaN)).toBe('unknown');
  });
});
