import { describe, expect, it } from 'vitest';
import { fitAr } from '../../src/models/arx.ts';
import { loadModel, MODEL_FACTORIES } from '../../src/models/index.ts';
import { head, horizonOf, normal, retailSeries, rng } from './fixtures.ts';

const arx = MODEL_FACTORIES.arx;

function ar1(seed: number, phi: number, length = 300): Float64Array {
  const random = rng(seed);
  const e = new Float64Array(length);
  for (let t = 1; t < length; t++) e[t] = phi * e[t - 1]! + normal(random);
  return e;
}

describe('regression with AR errors', () => {
  it('recovers an AR(1) coefficient and keeps white noise at order 0', () => {
    const fit = fitAr(ar1(1, 0.7));
    expect(fit.coef.length).toBeGreaterThanOrEqual(1);
    expect(fit.coef[0]!).toBeGreaterThan(0.6);
    expect(fit.coef[0]!).toBeLessThan(0.8);
    expect(fitAr(ar1(2, 0)).coef).toEqual([]);
  });

  it('keeps the AR part stationary and skips gaps', () => {
    const walk = ar1(3, 1);
    walk[50] = Number.NaN;
    const { coef } = fitAr(walk);
    expect(coef.reduce((s, c) => s + Math.abs(c), 0)).toBeLessThanOrEqual(0.98 + 1e-12);
  });

  it('uses planned covariates and carries a level shift the regression cannot see, decaying to the regression', () => {
    const { series, context } = retailSeries({ seed: 4 });
    // The last 20 weeks of training sell 40 % more than price and season explain (a new competitor left).
    for (let t = 128; t < 156; t++) series.y[t] = Math.round(series.y[t]! * 1.4);
    const model = arx.fit(head(series, 148), context);
    const params = model.toState().params as { ar: number[]; tail: number[] };
    expect(params.ar.length).toBeGreaterThan(0);
    expect(params.tail.at(-1)!).toBeGreaterThan(0.15);
    const { values } = model.forecast(horizonOf(series, 148));
    const actual = series.y.subarray(148);
    const regressionOnly = loadModel({
      kind: 'arx',
      version: 1,
      params: { ...model.toState().params, ar: [], tail: [] },
    }).forecast(horizonOf(series, 148)).values;
    // The AR errors lift the first weeks towards the shifted level the regression alone misses.
    expect(Math.abs(values[0]! - actual[0]!)).toBeLessThan(Math.abs(regressionOnly[0]! - actual[0]!));
    expect(values[0]! / regressionOnly[0]!).toBeGreaterThan(1.1);
    expect(Math.abs(values[7]! / regressionOnly[7]! - 1)).toBeLessThan(
      Math.abs(values[0]! / regressionOnly[0]! - 1),
    );
  });

  it('round-trips its state and refuses one whose residuals do not match its order', () => {
    const { series, context } = retailSeries({ seed: 5 });
    const model = arx.fit(head(series, 148), context);
    const state = JSON.parse(JSON.stringify(model.toState()));
    expect(loadModel(state).forecast(horizonOf(series, 148)).values).toEqual(
      model.forecast(horizonOf(series, 148)).values,
    );
    expect(() => loadModel({ ...state, params: { ...state.params, ar: [0.5], tail: [] } })).toThrow(
      'invalid arx model state (version 1): 1 AR coefficients but 0 residuals',
    );
  });
});
