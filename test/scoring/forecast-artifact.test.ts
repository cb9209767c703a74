import { describe, expect, it } from 'vitest';
import { isoDate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/models/index.ts';
import {
  ForecastInputError,
  forecastArtifact,
  forecastWithModel,
  futureCovariates,
  lastObservedDay,
} from '../../src/scoring/forecast-artifact.ts';
import { trainedArtifact } from '../serving/real-artifacts.ts';

const ridge = trainedArtifact({ Store: '1', Brand: 'b' }, { seed: 11, candidates: ['ridge'] });

function issuesOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ForecastInputError) return error.issues;
    throw error;
  }
  throw new Error('expected a ForecastInputError');
}

describe('forecastArtifact', () => {
  it('dates the forecast from the period after the last observation, at the artifact frequency', () => {
    const result = forecastArtifact(ridge, { horizon: 3 });
    const last = lastObservedDay(ridge);
    expect(isoDate(last)).toBe(ridge.window.end);
    expect([...result.times]).toEqual([last + 7, last + 14, last + 21]);
    expect(result.values).toHaveLength(3);
    expect(result.usedFallback).toBe(true);
  });

  it('gives the same numbers as the model rebuilt once and reused (the service path)', () => {
    const future = { Price: [2, 2.5, 3], Advert: [1, 0, 0] };
    const once = forecastArtifact(ridge, { horizon: 3, future });
    const reused = forecastWithModel(ridge, loadModel(ridge.model), { horizon: 3, future });
    expect([...reused.values]).toEqual([...once.values]);
    expect(once.usedFallback).toBe(false);
  });

  it('orders covariates by the model features whatever order the request names them in', () => {
    const a = forecastArtifact(ridge, { horizon: 2, future: { Price: [2, 3], Advert: [0, 1] } });
    const b = forecastArtifact(ridge, { horizon: 2, future: { Advert: [0, 1], Price: [2, 3] } });
    expect([...b.values]).toEqual([...a.values]);
  });

  it('names every problem with the covariates at once', () => {
    expect(
      issuesOf(() => forecastArtifact(ridge, { horizon: 2, future: { Price: [1], Promo: [1, 1] } })),
    ).toEqual([
      'future.Promo: unknown covariate; the model uses Price, Advert',
      'future: missing Advert; give every covariate (Price, Advert) or omit future to use the fallback',
      'future.Price: has 1 values but the horizon is 2',
    ]);
    expect(issuesOf(() => futureCovariates(['Price'], 2, { Price: [1, Number.NaN] }))).toEqual([
      'future.Price[1]: expected a finite number',
    ]);
  });

  it('rejects a horizon that is not a positive whole number', () => {
    expect(issuesOf(() => forecastArtifact(ridge, { horizon: 0 }))).toEqual([
      'horizon: expected a whole number of periods >= 1, got 0',
    ]);
  });

  it('accepts an empty future for a model without covariates', () => {
    expect(futureCovariates([], 3, {})).toBeUndefined();
    expect(issuesOf(() => futureCovariates([], 1, { Price: [1] }))).toEqual([
      'future.Price: unknown covariate; the model uses none',
    ]);
  });

  it('fails loudly on an artifact whose window end is not an ISO date', () => {
    const broken = { ...ridge, window: { ...ridge.window, end: '12/25/2022' } };
    expect(() => forecastArtifact(broken, { horizon: 1 })).toThrow(
      `model ${ridge.name} has window.end '12/25/2022', expected an ISO date YYYY-MM-DD`,
    );
  });
});
