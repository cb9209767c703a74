import { describe, expect, it } from 'vitest';
import { wape } from '../../src/metrics/index.ts';
import { MODEL_FACTORIES } from '../../src/models/index.ts';
import { dailySeries, head, horizonOf, noiseSeries, retailSeries, START_DAY } from './fixtures.ts';

const ets = MODEL_FACTORIES.ets;

type EtsParams = { trend: boolean; season: number[]; alpha: number; phi: number; transform: string };

/** A seasonal series with no covariate effects: what exponential smoothing is for. */
const seasonal = (seed: number) => retailSeries({ seed, truth: { elasticity: 0, lift: 0, noise: 0.05 } });

describe('exponential smoothing', () => {
  it.each([1, 2, 3])('forecasts a seasonal series better than the naive baseline (seed %i)', (seed) => {
    const { series, context } = seasonal(seed);
    const train = head(series, 148);
    const request = horizonOf(series, 148);
    const actual = series.y.subarray(148);
    const model = ets.fit(train, context);
    const params = model.toState().params as EtsParams;
    expect(params.season).toHaveLength(52);
    expect(params.transform).toBe('log');
    const naive = MODEL_FACTORIES.naive.fit(train, context).forecast(request).values;
    expect(wape(actual, model.forecast(request).values)).toBeLessThan(0.6 * wape(actual, naive));
  });

  it('fits a weekly season on daily data', () => {
    const { series, context } = dailySeries(4);
    const cut = series.y.length - 14;
    const model = ets.fit(head(series, cut), context);
    expect((model.toState().params as EtsParams).season).toHaveLength(7);
    const actual = series.y.subarray(cut);
    const naive = MODEL_FACTORIES.naive
      .fit(head(series, cut), context)
      .forecast(horizonOf(series, cut)).values;
    expect(wape(actual, model.forecast(horizonOf(series, cut)).values)).toBeLessThan(
      0.5 * wape(actual, naive),
    );
  });

  it('follows a strong trend with a damped trend component', () => {
    const n = 60;
    const time = Int32Array.from({ length: n }, (_, i) => START_DAY + 7 * i);
    const y = Float64Array.from({ length: n }, (_, i) => 100 + 5 * i + (i % 2 === 0 ? 2 : -2));
    const model = ets.fit({ time, y, x: [] }, { frequency: 'W', seasonLength: 52, features: [] });
    const params = model.toState().params as EtsParams;
    expect(params.trend).toBe(true);
    const times = Int32Array.from({ length: 4 }, (_, i) => START_DAY + 7 * (n + i));
    const values = model.forecast({ horizon: 4, times }).values;
    // The next point on the line is 400; a damped trend keeps climbing, a little less each step.
    expect(values[0]!).toBeGreaterThan(390);
    expect(values[0]!).toBeLessThan(410);
    expect(values[3]! - values[2]!).toBeGreaterThan(0);
    expect(values[3]! - values[2]!).toBeLessThanOrEqual(values[1]! - values[0]! + 1e-9);
  });

  it('keeps neither season nor trend on pure noise', () => {
    for (const seed of [1, 2, 3, 4]) {
      const params = ets.fit(noiseSeries(seed).series, noiseSeries(seed).context).toState()
        .params as EtsParams;
      expect(params.season).toHaveLength(0);
    }
  });

  it('skips gaps and zeros without emitting NaN or negatives', () => {
    const { series, context } = retailSeries({ seed: 9, gapShare: 0.15, zeroShare: 0.5 });
    const model = ets.fit(head(series, 148), context);
    expect((model.toState().params as EtsParams).transform).toBe('none');
    for (const v of model.forecast(horizonOf(series, 148)).values)
      expect(Number.isFinite(v) && v >= 0).toBe(true);
  });

  it('needs a few observations and says how many it got', () => {
    const time = Int32Array.from([1, 8, 15]);
    expect(() =>
      ets.fit(
        { time, y: Float64Array.from([1, Number.NaN, 2]), x: [] },
        { frequency: 'W', seasonLength: 52, features: [] },
      ),
    ).toThrow('ets needs at least 3 observed values, got 2');
  });
});
