import { describe, expect, it } from 'vitest';
import { type ClassifyRules, classifyPartition, type PartitionStats } from '../../src/data/classify.ts';

const MONDAY = 19723; // 2024-01-01
const rules: ClassifyRules = {
  frequency: 'W',
  time: 'WeekStarting',
  features: ['Price', 'Advert'],
  holdout: 8,
  minTrainPoints: 8,
  maxGapShare: 0.2,
  allowNegativeTarget: false,
};

function stats(overrides: Partial<PartitionStats> = {}): PartitionStats {
  const rows = overrides.rows ?? 52;
  return {
    key: ['1', 'a'],
    rows,
    distinctTimes: rows,
    first: MONDAY,
    last: MONDAY + 7 * (rows - 1),
    monthSpan: 11,
    weekdays: 1,
    targetNull: 0,
    targetNonFinite: 0,
    targetNegative: 0,
    firstNonFinite: null,
    firstNegative: null,
    minTarget: 0,
    featureValues: [rows, rows],
    featureNonFinite: 0,
    ...overrides,
  };
}

describe('classifyPartition', () => {
  it('passes a complete regular weekly series untouched', () => {
    expect(classifyPartition(stats(), rules)).toEqual({
      status: 'ok',
      problems: [],
      periods: 52,
      gaps: 0,
      needsFill: false,
    });
  });

  it('counts missing weeks as gaps to fill when within validation.maxGapShare', () => {
    const verdict = classifyPartition(stats({ rows: 48, distinctTimes: 48, last: MONDAY + 7 * 51 }), rules);
    expect(verdict).toMatchObject({ status: 'ok', periods: 52, gaps: 4, needsFill: true });
  });

  it('fills feature holes even without missing periods', () => {
    expect(classifyPartition(stats({ featureValues: [52, 50] }), rules).needsFill).toBe(true);
  });

  it('excludes too many gaps and says how many, of what, against which setting', () => {
    const verdict = classifyPartition(
      stats({ rows: 40, distinctTimes: 40, last: MONDAY + 7 * 51, targetNull: 2 }),
      rules,
    );
    expect(verdict.status).toBe('too_many_gaps');
    expect(verdict.problems[0]?.message).toBe(
      '14 of 52 period(s) have no target value (26.9 %: 12 missing row(s), 2 empty target(s)), above validation.maxGapShare 20.0 %',
    );
  });

  it('names the first repeated date of a duplicate', () => {
    const verdict = classifyPartition(
      stats({ rows: 53, distinctTimes: 52, firstDuplicate: { day: MONDAY + 14, count: 2 } }),
      rules,
    );
    expect(verdict.status).toBe('duplicate_time');
    expect(verdict.problems[0]?.message).toBe(
      '1 duplicate (partition, time) row(s), e.g. WeekStarting 2024-01-15 appears 2 times',
    );
  });

  it('rejects weekly dates on different weekdays', () => {
    const verdict = classifyPartition(stats({ weekdays: 2 }), rules);
    expect(verdict.status).toBe('irregular_time');
    expect(verdict.problems[0]?.message).toContain('2 different weekdays (first is a Monday)');
    expect(verdict.periods).toBe(0);
  });

  it('rejects non-finite and negative targets with where they start', () => {
    const verdict = classifyPartition(
      stats({
        targetNonFinite: 1,
        firstNonFinite: MONDAY + 7,
        targetNegative: 3,
        firstNegative: MONDAY,
        minTarget: -5,
      }),
      rules,
    );
    expect(verdict.status).toBe('non_finite_target');
    expect(verdict.problems.map((p) => p.message)).toEqual([
      '1 non-finite target value(s) (NaN or infinity), first on 2024-01-08',
      '3 negative target value(s) (smallest -5, first on 2024-01-01); set validation.allowNegativeTarget if they are real',
    ]);
  });

  it('allows negative targets when validation.allowNegativeTarget is set', () => {
    const verdict = classifyPartition(stats({ targetNegative: 3, minTarget: -5 }), {
      ...rules,
      allowNegativeTarget: true,
    });
    expect(verdict.status).toBe('ok');
  });

  it('rejects a series shorter than holdout + minTrainPoints', () => {
    const verdict = classifyPartition(stats({ rows: 15 }), rules);
    expect(verdict.status).toBe('too_short');
    expect(verdict.problems[0]?.message).toBe(
      '15 period(s) from 2024-01-01 to 2024-04-08; needs at least 16 (forecast.holdout 8 + forecast.minTrainPoints 8)',
    );
  });

  it('rejects a feature with no value at all, since there is nothing to carry forward', () => {
    const verdict = classifyPartition(stats({ featureValues: [52, 0] }), rules);
    expect(verdict.status).toBe('no_feature_values');
    expect(verdict.problems[0]?.message).toContain("'Advert'");
  });

  it('sizes daily and monthly grids by days and calendar months', () => {
    expect(
      classifyPartition(stats({ rows: 30, distinctTimes: 30, last: MONDAY + 29 }), {
        ...rules,
        frequency: 'D',
      }).periods,
    ).toBe(30);
    expect(
      classifyPartition(stats({ rows: 20, distinctTimes: 20, monthSpan: 23 }), { ...rules, frequency: 'M' }),
    ).toMatchObject({
      periods: 24,
      gaps: 4,
    });
  });
});
