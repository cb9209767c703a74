import { describe, expect, it } from 'vitest';
import { allMetrics, bias, mase, maseScale, rmse, smape, wape } from '../../src/metrics/index.ts';

describe('metrics', () => {
  const actual = [10, 20, 30, 40];
  const forecast = [12, 18, 33, 40];

  it('match hand-computed values', () => {
    // |errors| = 2, 2, 3, 0 -> sum 7; sum|actual| = 100
    expect(wape(actual, forecast)).toBeCloseTo(0.07, 12);
    // signed errors 2, -2, 3, 0 -> 3 / 100
    expect(bias(actual, forecast)).toBeCloseTo(0.03, 12);
    expect(rmse(actual, forecast)).toBeCloseTo(Math.sqrt((4 + 4 + 9) / 4), 12);
    expect(smape(actual, forecast)).toBeCloseTo((4 / 22 + 4 / 38 + 6 / 63 + 0) / 4, 12);
    // seasonal lag 1 on [1, 3, 6]: |3-1|, |6-3| -> 2.5
    expect(maseScale([1, 3, 6], 52)).toBe(2.5);
    expect(mase(actual, forecast, 2.5)).toBeCloseTo(7 / 4 / 2.5, 12);
  });

  it('are defined on all-zero actuals: 0 when exact, infinite otherwise, never NaN', () => {
    const zeros = [0, 0, 0];
    expect(wape(zeros, zeros)).toBe(0);
    expect(wape(zeros, [1, 0, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(smape(zeros, zeros)).toBe(0);
    expect(mase(zeros, zeros, 0)).toBe(0);
    expect(bias(zeros, [0, -1, 0])).toBe(Number.NEGATIVE_INFINITY);
    for (const value of Object.values(allMetrics({ actual: zeros, forecast: zeros, scale: 0 }))) {
      expect(Number.isNaN(value)).toBe(false);
    }
  });

  it('skip NaN actuals instead of propagating them', () => {
    expect(wape([10, Number.NaN, 30], [10, 99, 27])).toBeCloseTo(3 / 40, 12);
    expect(rmse([Number.NaN], [1])).toBe(0);
  });

  it('refuse mismatched lengths', () => {
    expect(() => wape([1, 2], [1])).toThrow(/2 values but forecast has 1/);
  });
});
