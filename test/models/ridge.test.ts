import { describe, expect, it } from 'vitest';
import { wape } from '../../src/metrics/index.ts';
import { MODEL_FACTORIES, ModelError } from '../../src/models/index.ts';
import { finiteRidge, fitRidge, loadRidge, type RidgeParams } from '../../src/models/ridge.ts';
import { dailySeries, head, horizonOf, noiseSeries, retailSeries } from './fixtures.ts';

const ridge = MODEL_FACTORIES.ridge;

function coefficient(params: RidgeParams, column: string): number {
  const index = params.columns.indexOf(column);
  if (index < 0) throw new Error(`column ${column} not in ${params.columns.join(',')}`);
  return params.coef[index]!;
}

describe('ridge regression', () => {
  it.each([1, 2, 3, 4, 5])(
    'recovers the price elasticity within 10%% and the advert lift (seed %i)',
    (seed) => {
      const { series, context, truth } = retailSeries({ seed });
      const params = ridge.fit(head(series, 148), context).toState().params as RidgeParams;
      expect(params.transform).toBe('log');
      expect(params.features.map((f) => f.transform)).toEqual(['log', 'linear']);
      const elasticity = coefficient(params, 'x:0');
      expect(Math.abs(elasticity - truth.elasticity)).toBeLessThan(0.1 * Math.abs(truth.elasticity));
      expect(coefficient(params, 'x:1')).toBeCloseTo(truth.lift, 1);
    },
  );

  it('learns calendar structure: the holiday effect and a yearly season', () => {
    const { series, context, truth } = retailSeries({ seed: 7 });
    const params = ridge.fit(series, context).toState().params as RidgeParams;
    expect(coefficient(params, 'holiday')).toBeCloseTo(truth.holiday, 1);
    expect(params.columns).toEqual(expect.arrayContaining(['lag:1', 'sin:1', 'cos:1', 'trend']));
  });

  it('forecasts the holdout far better than the naive baseline when covariates drive demand', () => {
    const { series, context } = retailSeries({ seed: 11 });
    const request = horizonOf(series, 148);
    const actual = series.y.subarray(148);
    const fitted = ridge.fit(head(series, 148), context).forecast(request);
    const naive = MODEL_FACTORIES.naive.fit(head(series, 148), context).forecast(request);
    expect(fitted.usedFallback).toBe(false);
    expect(wape(actual, fitted.values)).toBeLessThan(0.5 * wape(actual, naive.values));
  });

  it('uses planned covariates: a 10% price cut lifts the forecast by the elasticity', () => {
    const { series, context, truth } = retailSeries({ seed: 3 });
    const model = ridge.fit(series, context);
    const times = Int32Array.from({ length: 4 }, (_, i) => series.time.at(-1)! + 7 * (i + 1));
    const price = new Float64Array(4).fill(2.5);
    const advert = new Float64Array(4);
    const base = model.forecast({ horizon: 1, times: times.subarray(0, 1), future: [price, advert] });
    const cut = model.forecast({
      horizon: 1,
      times: times.subarray(0, 1),
      future: [price.map((p) => p * 0.9), advert],
    });
    expect(cut.values[0]! / base.values[0]!).toBeCloseTo(0.9 ** truth.elasticity, 1);
  });

  it('falls back to the last observed covariates without future values, and says so', () => {
    const { series, context } = retailSeries({ seed: 4 });
    const model = ridge.fit(series, context);
    const times = Int32Array.from({ length: 3 }, (_, i) => series.time.at(-1)! + 7 * (i + 1));
    const last = series.x.map((f) => new Float64Array(3).fill(f.at(-1)!));
    const withoutFuture = model.forecast({ horizon: 3, times });
    const withLast = model.forecast({ horizon: 3, times, future: last });
    expect(withoutFuture.usedFallback).toBe(true);
    expect(withLast.usedFallback).toBe(false);
    expect(Array.from(withoutFuture.values)).toEqual(Array.from(withLast.values));
  });

  it('rejects a non-positive future value for a covariate it fitted on the log scale, naming it', () => {
    const { series, context } = retailSeries({ seed: 4 });
    const model = ridge.fit(series, context);
    const times = Int32Array.from([series.time.at(-1)! + 7, series.time.at(-1)! + 14]);
    const future = [Float64Array.from([2.5, 0]), new Float64Array(2)];
    expect(() => model.forecast({ horizon: 2, times, future })).toThrow(
      'feature "Price" enters the model as log(Price) and must be > 0; got 0 at horizon step 2',
    );
  });

  it('when lenient (batch scoring), falls back for the one step whose planned value cannot enter on the log scale', () => {
    const { series, context } = retailSeries({ seed: 4 });
    const model = ridge.fit(series, context);
    const last = series.x[0]!.at(-1)!;
    const times = Int32Array.from([series.time.at(-1)! + 7, series.time.at(-1)! + 14]);
    const advert = new Float64Array(2);
    const zero = model.forecast({
      horizon: 2,
      times,
      future: [Float64Array.from([2.5, 0]), advert],
      lenient: true,
    });
    const planned = model.forecast({ horizon: 2, times, future: [Float64Array.from([2.5, last]), advert] });
    // A price of 0 cannot enter as log(Price): step 2 uses the last observed price, step 1 keeps the plan.
    expect(zero.fallbackSteps).toEqual([1]);
    expect(zero.usedFallback).toBe(true);
    expect(Array.from(zero.values)).toEqual(Array.from(planned.values));
    expect(planned.usedFallback).toBe(false);
    expect(() => model.forecast({ horizon: 2, times, future: [advert] })).toThrow(ModelError);
    expect(() => model.forecast({ horizon: 2, times, future: [advert] })).toThrow(
      /expected 2 feature arrays/,
    );
  });

  it('fits intermittent series with zeros on log1p and never forecasts below zero or NaN', () => {
    const { series, context } = retailSeries({ seed: 5, zeroShare: 0.6, gapShare: 0.1 });
    const model = ridge.fit(head(series, 148), context);
    expect((model.toState().params as RidgeParams).transform).toBe('log1p');
    const values = model.forecast(horizonOf(series, 148)).values;
    for (const v of values) expect(Number.isFinite(v) && v >= 0).toBe(true);
  });

  it('learns a weekday pattern on daily data with day-of-week dummies and a weekly lag', () => {
    for (const seed of [1, 2]) {
      const { series, context } = dailySeries(seed);
      const cut = series.y.length - 14;
      const model = ridge.fit(head(series, cut), context);
      const params = model.toState().params as RidgeParams;
      expect(params.columns).toEqual(expect.arrayContaining(['dow:1', 'dow:6', 'lag:7']));
      const actual = series.y.subarray(cut);
      const naive = MODEL_FACTORIES.naive
        .fit(head(series, cut), context)
        .forecast(horizonOf(series, cut)).values;
      expect(wape(actual, model.forecast(horizonOf(series, cut)).values)).toBeLessThan(
        0.5 * wape(actual, naive),
      );
    }
  });

  it('shrinks hard on pure noise instead of fitting it', () => {
    const { series, context } = noiseSeries(2);
    const params = ridge.fit(series, context).toState().params as RidgeParams;
    expect(params.lambda).toBeGreaterThanOrEqual(1);
  });

  it('keeps to one column per eight observations on short series', () => {
    const { series, context } = retailSeries({ seed: 6, length: 30 });
    const params = ridge.fit(series, context).toState().params as RidgeParams;
    expect(params.columns.length).toBeLessThanOrEqual(Math.floor(29 / 8));
    expect(params.columns).not.toContain('sin:1');
  });

  it('explains what is missing when it cannot fit', () => {
    const { context } = retailSeries();
    const series = {
      time: Int32Array.from([1, 8]),
      y: Float64Array.from([5, Number.NaN]),
      x: [new Float64Array(2), new Float64Array(2)],
    };
    expect(() => ridge.fit(series, context)).toThrow('ridge needs at least 2 observed values, got 1');
  });
});

describe('a fitted ridge handed on without reloading its state (arx keeps its regression)', () => {
  const { series, context } = retailSeries({ seed: 3 });
  const { params } = fitRidge(series, context);

  it('is accepted when every number is finite, as loading the state accepts it', () => {
    expect(finiteRidge(params)).toBe(true);
    expect(() => loadRidge(JSON.parse(JSON.stringify(params)))).not.toThrow();
  });

  it.each([
    ['coef', { coef: [...params.coef.slice(1), Number.NaN] }],
    ['intercept', { intercept: Number.POSITIVE_INFINITY }],
    ['tail', { tail: [Number.NaN] }],
    ['band', { band: [0, Number.NaN] as [number, number] }],
    ['a feature', { features: [{ ...params.features[0]!, last: Number.NaN }] }],
  ])('is refused when %s is not finite, as loading the state refuses it', (_, change) => {
    const damaged: RidgeParams = { ...params, ...change };
    expect(finiteRidge(damaged)).toBe(false);
    expect(() => loadRidge(damaged)).toThrow('invalid ridge model state');
  });
});
