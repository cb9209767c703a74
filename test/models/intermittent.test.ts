import { describe, expect, it } from 'vitest';
import { loadModel, MODEL_FACTORIES } from '../../src/models/index.ts';
import { zeroShare } from '../../src/models/intermittent.ts';
import { rng, START_DAY } from './fixtures.ts';

const intermittent = MODEL_FACTORIES.intermittent;
const context = { frequency: 'W' as const, seasonLength: 52, features: [] };

/** Demand in a share `p` of the weeks, of size about `size`; the rest zeros. */
function sparse(seed: number, length: number, p: number, size: number) {
  const random = rng(seed);
  const time = Int32Array.from({ length }, (_, t) => START_DAY + 7 * t);
  const y = Float64Array.from({ length }, () => (random() < p ? Math.round(size * (0.5 + random())) : 0));
  return { time, y, x: [] as Float64Array[] };
}

const request = (series: { time: Int32Array }, horizon: number) => ({
  horizon,
  times: Int32Array.from({ length: horizon }, (_, h) => series.time.at(-1)! + 7 * (h + 1)),
});

describe('intermittent demand (Croston, SBA, TSB)', () => {
  it('forecasts the expected demand per period, flat, near demand share times demand size', () => {
    const series = sparse(1, 200, 0.25, 40);
    const values = intermittent.fit(series, context).forecast(request(series, 6)).values;
    expect(new Set(values).size).toBe(1);
    // True rate 0.25 * 40 = 10; exponential smoothing weighs the recent demands, so within 40 %.
    expect(values[0]!).toBeGreaterThan(6);
    expect(values[0]!).toBeLessThan(14);
  });

  it('lets the forecast decay after demand stops (TSB), where Croston would keep the last rate', () => {
    const series = sparse(2, 160, 0.3, 20);
    series.y.fill(0, 120);
    const model = intermittent.fit(series, context);
    const { method, rate } = model.toState().params as { method: string; rate: number };
    expect(method).toBe('tsb');
    // 40 weeks without demand: far below the rate of 0.3 * 20 = 6 it had.
    expect(rate).toBeLessThan(2);
  });

  it('skips missing weeks, never forecasts below zero, and forecasts 0 for a series without demand', () => {
    const series = sparse(3, 120, 0.2, 10);
    for (let t = 0; t < 120; t += 7) series.y[t] = Number.NaN;
    const values = intermittent.fit(series, context).forecast(request(series, 4)).values;
    expect(values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    const none = { ...series, y: new Float64Array(120) };
    expect(Array.from(intermittent.fit(none, context).forecast(request(none, 2)).values)).toEqual([0, 0]);
  });

  it('refuses a negative target and round-trips its state', () => {
    const series = sparse(4, 80, 0.3, 10);
    const model = intermittent.fit(series, context);
    const loaded = loadModel(JSON.parse(JSON.stringify(model.toState())));
    expect(loaded.forecast(request(series, 3)).values).toEqual(model.forecast(request(series, 3)).values);
    series.y[5] = -1;
    expect(() => intermittent.fit(series, context)).toThrow(
      'intermittent demand needs a non-negative target',
    );
  });

  it('measures the share of zeros among observed periods', () => {
    expect(zeroShare([0, 1, Number.NaN, 0, 2])).toBe(0.5);
    expect(zeroShare([Number.NaN])).toBeNaN();
  });
});
