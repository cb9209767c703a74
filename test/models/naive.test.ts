import { describe, expect, it } from 'vitest';
import { MODEL_FACTORIES, ModelError } from '../../src/models/index.ts';
import { START_DAY } from './fixtures.ts';

const context = { frequency: 'W' as const, seasonLength: 4, features: [] };

function series(values: number[]) {
  return {
    time: Int32Array.from(values, (_, i) => START_DAY + 7 * i),
    y: Float64Array.from(values),
    x: [],
  };
}

function request(horizon: number) {
  return { horizon, times: Int32Array.from({ length: horizon }, (_, i) => START_DAY + 7 * (100 + i)) };
}

describe('naive', () => {
  it('repeats the last observed value, skipping trailing gaps', () => {
    const model = MODEL_FACTORIES.naive.fit(series([3, 5, 8, Number.NaN]), context);
    const forecast = model.forecast(request(3));
    expect(Array.from(forecast.values)).toEqual([8, 8, 8]);
    expect(forecast.usedFallback).toBe(false);
  });

  it('refuses a series with no observed value', () => {
    expect(() => MODEL_FACTORIES.naive.fit(series([Number.NaN, Number.NaN]), context)).toThrow(ModelError);
    expect(() => MODEL_FACTORIES.naive.fit(series([Number.NaN]), context)).toThrow(/no observed/);
  });
});

describe('seasonal naive', () => {
  it('repeats the last season, wrapping past one season', () => {
    const model = MODEL_FACTORIES.seasonal_naive.fit(series([1, 2, 3, 4, 10, 20, 30, 40]), context);
    expect(Array.from(model.forecast(request(6)).values)).toEqual([10, 20, 30, 40, 10, 20]);
  });

  it('fills a gap in the last season from the same position a season earlier', () => {
    const model = MODEL_FACTORIES.seasonal_naive.fit(series([1, 2, 3, 4, 10, Number.NaN, 30, 40]), context);
    expect(Array.from(model.forecast(request(4)).values)).toEqual([10, 2, 30, 40]);
  });

  it('needs one full season and says so', () => {
    expect(() => MODEL_FACTORIES.seasonal_naive.fit(series([1, 2, 3]), context)).toThrow(
      'seasonal naive needs at least one full season (4 periods), got 3',
    );
  });

  it('rejects a request whose dates do not match its horizon', () => {
    const model = MODEL_FACTORIES.seasonal_naive.fit(series([1, 2, 3, 4]), context);
    expect(() => model.forecast({ horizon: 3, times: new Int32Array(2) })).toThrow(
      'forecast needs one date per horizon step: horizon 3, 2 dates',
    );
  });
});
