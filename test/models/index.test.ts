import { describe, expect, it } from 'vitest';
import { CANDIDATES } from '../../src/core/vocabulary.ts';
import {
  loadModel,
  MODEL_FACTORIES,
  MODEL_VERSIONS,
  ModelError,
  type ModelState,
} from '../../src/models/index.ts';
import { dailySeries, head, horizonOf, retailSeries } from './fixtures.ts';

const bits = (values: Float64Array) =>
  Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length));

describe('model registry and artifacts', () => {
  it('has a factory for every configurable candidate', () => {
    expect(Object.keys(MODEL_FACTORIES).sort()).toEqual([...CANDIDATES].sort());
    for (const kind of CANDIDATES) expect(MODEL_FACTORIES[kind].kind).toBe(kind);
  });

  // A combination is assembled from fitted members by selection (test/models/combo.test.ts), not fitted alone.
  const FITTED = CANDIDATES.filter((kind) => kind !== 'combo');

  const roundTrips = FITTED.flatMap((kind) => [
    [kind, 'weekly', retailSeries({ seed: 21, gapShare: 0.05 })] as const,
    [kind, 'daily', dailySeries(21, 160)] as const,
  ]);

  it.each(roundTrips)('%s (%s): the JSON state loads back to bit-identical forecasts', (kind, _, fixture) => {
    const { series, context } = fixture;
    const model = MODEL_FACTORIES[kind].fit(head(series, 140), context);
    const state = JSON.parse(JSON.stringify(model.toState())) as ModelState;
    expect(state.kind).toBe(kind);
    expect(state.version).toBe(MODEL_VERSIONS[kind]);
    const loaded = loadModel(state);
    expect(loaded.kind).toBe(kind);
    for (const request of [horizonOf(series, 140), { ...horizonOf(series, 140), future: undefined }]) {
      const a = model.forecast(request);
      const b = loaded.forecast(request);
      expect(bits(b.values)).toEqual(bits(a.values));
      expect(b.usedFallback).toBe(a.usedFallback);
    }
    // The state is small: a few hundred numbers at most, even with a 52-week season.
    expect(JSON.stringify(state).length).toBeLessThan(4000);
  });

  it.each(FITTED)('%s: no NaN and no negative forecasts on gappy intermittent data', (kind) => {
    const { series, context } = retailSeries({ seed: 8, gapShare: 0.2, zeroShare: 0.7 });
    const model = MODEL_FACTORIES[kind].fit(head(series, 148), context);
    for (const v of model.forecast(horizonOf(series, 148)).values)
      expect(Number.isFinite(v) && v >= 0).toBe(true);
  });

  it.each(FITTED)('%s: a constant series (and an all-zero one) forecasts its constant', (kind) => {
    for (const level of [40, 0]) {
      const { series, context } = retailSeries({ seed: 3 });
      series.y.fill(level);
      const values = MODEL_FACTORIES[kind]
        .fit(head(series, 148), context)
        .forecast(horizonOf(series, 148)).values;
      for (const v of values) expect(v).toBeCloseTo(level, 6);
    }
  });

  it('rejects an unknown kind, naming the known ones', () => {
    expect(() => loadModel({ kind: 'prophet' as never, version: 1, params: {} })).toThrow(ModelError);
    expect(() => loadModel({ kind: 'prophet' as never, version: 1, params: {} })).toThrow(
      'unknown model kind "prophet"; known kinds: naive, seasonal_naive, mean, ridge, ets, arx, intermittent, combo',
    );
  });

  it('rejects a version this code does not read', () => {
    expect(() => loadModel({ kind: 'ridge', version: 99, params: {} })).toThrow(
      'ridge model state has version 99, this code reads version 1; retrain the model',
    );
  });

  it('rejects a damaged state, naming the field', () => {
    const { series, context } = retailSeries({ seed: 2 });
    const state = MODEL_FACTORIES.ridge.fit(series, context).toState();
    const damaged = { ...state, params: { ...state.params, coef: [1, null] } };
    expect(() => loadModel(damaged)).toThrow(/invalid ridge model state \(version 1\): params\.coef\.1/);
    const wrongLength = { ...state, params: { ...state.params, coef: [1] } };
    expect(() => loadModel(wrongLength)).toThrow(/columns but 1 coefficients/);
    const ets = MODEL_FACTORIES.ets.fit(series, context).toState();
    expect(() => loadModel({ ...ets, params: { ...ets.params, level: 'high' } })).toThrow(/params\.level/);
  });
});
