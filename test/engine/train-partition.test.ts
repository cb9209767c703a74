import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ForecastConfig, forecastSchema } from '../../src/config/schema.ts';
import { modelName } from '../../src/core/model-name.ts';
import { type PartitionOutcome, rankCandidates, trainPartition } from '../../src/engine/train-partition.ts';
import { allMetrics, maseScale, wape } from '../../src/metrics/index.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { loadModel, MODEL_FACTORIES } from '../../src/models/index.ts';
import { head, noiseSeries, retailSeries } from '../models/fixtures.ts';

const lineage = {
  runId: 'run-1',
  codeVersion: 'abc123',
  dataFingerprint: 'fp',
  trainedAt: '2026-01-01T00:00:00.000Z',
};
const partitionBy = ['Store', 'Brand'];
const forecastOf = (overrides: Partial<ForecastConfig> = {}) =>
  forecastSchema.parse({ horizon: 8, holdout: 8, ...overrides });

function ok(outcome: PartitionOutcome): ModelArtifact {
  if (outcome.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.artifact;
}

afterEach(() => vi.restoreAllMocks());

describe('trainPartition', () => {
  it('builds the complete artifact: name, key, windows, baseline, every candidate scored', () => {
    const { series, context } = retailSeries({ seed: 1, key: ['Store 1/a', 'Brand.x'] });
    const outcome = trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage });
    const artifact = ok(outcome);
    expect(outcome.observations).toBe(156);
    expect(artifact.name).toBe(modelName(['Store 1/a', 'Brand.x']));
    expect(artifact.partition).toEqual({ Store: 'Store 1/a', Brand: 'Brand.x' });
    expect(artifact.window).toEqual({ start: '2021-01-03', end: '2023-12-24', observations: 156 });
    expect(artifact.holdout.start).toBe('2023-11-05');
    expect(artifact.holdout.end).toBe('2023-12-24');
    expect(artifact.baseline).toBe('seasonal_naive');
    expect(artifact.baselineModel.kind).toBe('seasonal_naive');
    expect(Object.keys(artifact.holdout.candidates).sort()).toEqual([
      'arx',
      'combo',
      'ets',
      'mean',
      'naive',
      'ridge',
      'seasonal_naive',
    ]);
    expect(artifact.holdout.failures).toBeUndefined();
    expect(artifact.features).toEqual(['Price', 'Advert']);
    expect([artifact.frequency, artifact.seasonLength]).toEqual(['W', 52]);
    expect(artifact.lineage).toEqual(lineage);
    expect(artifact.model.kind).toBe(artifact.chosen);
  });

  it('records metrics that are exactly the metrics of the recorded forecasts, MASE scaled on the training window', () => {
    const { series, context } = retailSeries({ seed: 2 });
    const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
    const scale = maseScale(series.y.subarray(0, 148), 52);
    expect(artifact.holdout.scale).toBe(scale);
    expect(artifact.holdout.actual).toEqual(Array.from(series.y.subarray(148)));
    for (const [kind, candidate] of Object.entries(artifact.holdout.candidates)) {
      expect(candidate.forecast, kind).toHaveLength(8);
      expect(candidate.metrics, kind).toEqual(
        allMetrics({ actual: artifact.holdout.actual, forecast: candidate.forecast, scale }),
      );
    }
  });

  it('chooses the candidate with the best selection metric pooled over the backtests and refits it on all data', () => {
    const { series, context } = retailSeries({ seed: 3 });
    for (const selectionMetric of ['wape', 'rmse', 'mase', 'smape'] as const) {
      const forecast = forecastOf({ selectionMetric, backtestWindows: 3 });
      const artifact = ok(trainPartition(series, { context, forecast, partitionBy, lineage }));
      const scores = Object.values(artifact.backtest!.scores) as number[];
      expect(artifact.backtest!.metric).toBe(selectionMetric);
      expect(artifact.backtest!.scores[artifact.chosen]).toBe(Math.min(...scores));
    }
    const singles = forecastOf({ candidates: ['naive', 'seasonal_naive', 'mean', 'ridge', 'ets'] });
    const artifact = ok(trainPartition(series, { context, forecast: singles, partitionBy, lineage }));
    // Refitted on all 156 points: the saved model equals a fresh fit on the whole series, not the training one.
    const refit = MODEL_FACTORIES[artifact.chosen].fit(series, context).toState();
    expect(artifact.model).toEqual(refit);
    expect(artifact.model).not.toEqual(
      MODEL_FACTORIES[artifact.chosen].fit(head(series, 148), context).toState(),
    );
  });

  it('on covariate-driven seasonal demand picks a model that beats the baseline by a wide margin', () => {
    const { series, context } = retailSeries({ seed: 4 });
    const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
    const { candidates } = artifact.holdout;
    // A regression on the covariates wins: ridge with lags, or with AR errors.
    expect(['ridge', 'arx']).toContain(artifact.chosen);
    expect(candidates[artifact.chosen]!.metrics.wape).toBeLessThan(
      0.5 * candidates.seasonal_naive!.metrics.wape,
    );
    expect(candidates.ridge!.metrics.wape).toBeLessThan(0.5 * candidates.seasonal_naive!.metrics.wape);
    // The saved model forecasts from the end of the series without any history.
    const model = loadModel(JSON.parse(JSON.stringify(artifact.model)));
    const times = Int32Array.from({ length: 8 }, (_, i) => series.time.at(-1)! + 7 * (i + 1));
    const values = model.forecast({ horizon: 8, times }).values;
    for (const v of values) expect(v).toBeGreaterThan(0);
  });

  it('always evaluates the baseline benchmarks (naive family and mean), even when they are not configured', () => {
    const { series, context } = retailSeries({ seed: 5 });
    const artifact = ok(
      trainPartition(series, {
        context,
        forecast: forecastOf({ candidates: ['ridge'] }),
        partitionBy,
        lineage,
      }),
    );
    expect(artifact.chosen).toBe('ridge');
    expect(Object.keys(artifact.holdout.candidates).sort()).toEqual(['mean', 'ridge', 'seasonal_naive']);
  });

  it('uses naive as the baseline when history is shorter than two seasons plus the holdout', () => {
    const { series, context } = retailSeries({ seed: 6, length: 100 });
    const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
    // Seasonal naive may still run as a candidate, but it is not the benchmark below two seasons.
    expect(['naive', 'mean']).toContain(artifact.baseline);
    expect(artifact.baselineModel.kind).toBe(artifact.baseline);
  });

  it('makes the baseline the better of the naive benchmark and the historical mean on the holdout', () => {
    for (const seed of [11, 12, 13, 14]) {
      const { series, context } = retailSeries({ seed });
      const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
      const wapeOf = (kind: 'seasonal_naive' | 'mean') => artifact.holdout.candidates[kind]!.metrics.wape;
      const better = wapeOf('mean') < wapeOf('seasonal_naive') ? 'mean' : 'seasonal_naive';
      expect(artifact.baseline).toBe(better);
    }
  });

  it('records a candidate that cannot fit and carries on with the others', () => {
    // 40 weeks: seasonal naive needs a full 52-week season and fails; the partition does not.
    const { series, context } = retailSeries({ seed: 7, length: 40 });
    const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
    expect(artifact.holdout.failures).toEqual({
      seasonal_naive: {
        class: 'ModelError',
        message: 'seasonal naive needs at least one full season (52 periods), got 32',
      },
    });
    expect(Object.keys(artifact.holdout.candidates).sort()).toEqual([
      'arx',
      'combo',
      'ets',
      'mean',
      'naive',
      'ridge',
    ]);
  });

  it('tries the intermittent-demand candidate only on series with many zeros', () => {
    const sparse = retailSeries({ seed: 9, zeroShare: 0.6 });
    const dense = retailSeries({ seed: 9 });
    const forecast = forecastOf();
    const kinds = (f: typeof sparse) =>
      Object.keys(
        ok(trainPartition(f.series, { context: f.context, forecast, partitionBy, lineage })).holdout
          .candidates,
      );
    expect(kinds(sparse)).toContain('intermittent');
    expect(kinds(dense)).not.toContain('intermittent');
  });

  it('records a candidate that throws unexpectedly without sinking the partition', () => {
    vi.spyOn(MODEL_FACTORIES.ets, 'fit').mockImplementation(() => {
      throw new TypeError('boom');
    });
    const { series, context } = retailSeries({ seed: 8 });
    const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
    expect(artifact.holdout.failures).toEqual({ ets: { class: 'TypeError', message: 'boom' } });
    expect(artifact.chosen).not.toBe('ets');
  });

  it('fails the partition with the error class and message when every candidate fails', () => {
    const { series, context } = retailSeries({ seed: 9, length: 40 });
    const outcome = trainPartition(series, {
      context,
      forecast: forecastOf({ candidates: ['seasonal_naive'] }),
      partitionBy,
      lineage,
    });
    expect(outcome).toEqual({
      status: 'failed',
      error: {
        class: 'ModelError',
        message:
          'every candidate failed; seasonal_naive: seasonal naive needs at least one full season (52 periods), got 32',
      },
      observations: 40,
    });
  });

  it('skips a series too short for the holdout and minTrainPoints, saying why', () => {
    const { series, context } = retailSeries({ seed: 10, length: 20, gapShare: 0.3 });
    const outcome = trainPartition(series, {
      context,
      forecast: forecastOf({ minTrainPoints: 10 }),
      partitionBy,
      lineage,
    });
    expect(outcome.status).toBe('skipped');
    expect(outcome).toMatchObject({
      reason: `${outcome.observations} observed periods; needs at least 18 (holdout 8 + minTrainPoints 10)`,
    });
  });

  it('fails, not crashes, on a key that does not match partitionBy', () => {
    const { series, context } = retailSeries({ seed: 11, key: ['only-one'] });
    const outcome = trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage });
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { class: 'RangeError', message: 'partition key has 1 values but partitionBy names 2 columns' },
    });
  });

  it('still chooses sensibly when the holdout is all zeros and WAPE is infinite for every candidate', () => {
    const { series, context } = retailSeries({ seed: 13 });
    series.y.fill(0, 148);
    // One window (the default): the selection score is the holdout's, infinite WAPE for everyone.
    const forecast = forecastOf({ backtestWindows: 1 });
    const artifact = ok(trainPartition(series, { context, forecast, partitionBy, lineage }));
    const { candidates } = artifact.holdout;
    for (const candidate of Object.values(candidates))
      expect(candidate.metrics.wape).toBe(Number.POSITIVE_INFINITY);
    const rmses = Object.values(candidates).map((c) => c.metrics.rmse);
    expect(candidates[artifact.chosen]!.metrics.rmse).toBe(Math.min(...rmses));
  });

  it('trains intermittent, gappy series to finite forecasts', () => {
    const { series, context } = retailSeries({ seed: 12, zeroShare: 0.6, gapShare: 0.1 });
    const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
    for (const candidate of Object.values(artifact.holdout.candidates)) {
      for (const v of candidate.forecast) expect(Number.isFinite(v) && v >= 0).toBe(true);
    }
  });

  it('on pure noise no model beats the true mean; the gain over the baseline is only the noise the mean avoids', () => {
    // Uniform noise: the best possible forecast is the mean (12,500); a naive forecast repeats one noisy value,
    // so a model that learns the mean beats the baseline by ~25% WAPE honestly, and can do no better than that.
    const sums: Record<string, number> = {};
    const partitions = 30;
    for (let seed = 1; seed <= partitions; seed++) {
      const { series, context } = noiseSeries(seed);
      const artifact = ok(trainPartition(series, { context, forecast: forecastOf(), partitionBy, lineage }));
      const oracle = wape(artifact.holdout.actual, new Array(8).fill(12_500));
      for (const [kind, candidate] of Object.entries(artifact.holdout.candidates)) {
        sums[kind] = (sums[kind] ?? 0) + candidate.metrics.wape / oracle;
      }
    }
    const mean = (kind: string) => sums[kind]! / partitions;
    expect(mean('ridge')).toBeGreaterThan(0.97);
    expect(mean('ets')).toBeGreaterThan(0.97);
    expect(mean('seasonal_naive')).toBeGreaterThan(1.2);
  });
});

describe('rankCandidates', () => {
  it('orders by score, a non-finite score never wins, ties go to the simpler model', () => {
    expect(
      rankCandidates(['ridge', 'ets', 'naive'], { ridge: 0.2, ets: 0.1, naive: Number.POSITIVE_INFINITY }),
    ).toEqual(['ets', 'ridge', 'naive']);
    expect(
      rankCandidates(['ridge', 'ets', 'seasonal_naive'], { ridge: 0.1, ets: 0.1, seasonal_naive: 0.1 }),
    ).toEqual(['seasonal_naive', 'ets', 'ridge']);
    expect(rankCandidates(['ridge', 'naive'], { ridge: Number.NaN, naive: 0.5 })).toEqual(['naive', 'ridge']);
    expect(rankCandidates(['ridge', 'naive'], { naive: 0.5 })).toEqual(['naive']);
  });

  it('orders candidates that all score infinity by the fallback (RMSE), then simplicity', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(
      rankCandidates(
        ['naive', 'ridge', 'ets'],
        { naive: inf, ridge: inf, ets: inf },
        { naive: 9, ridge: 2, ets: 2 },
      ),
    ).toEqual(['ets', 'ridge', 'naive']);
  });
});
