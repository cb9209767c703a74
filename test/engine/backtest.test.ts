import { describe, expect, it } from 'vitest';
import { forecastSchema } from '../../src/config/schema.ts';
import { backtestOrigins } from '../../src/engine/backtest.ts';
import { trainPartition } from '../../src/engine/train-partition.ts';
import { allMetrics, maseScale } from '../../src/metrics/index.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { loadModel, MODEL_FACTORIES } from '../../src/models/index.ts';
import { bands } from '../../src/models/intervals.ts';
import { head, horizonOf, noiseSeries, retailSeries } from '../models/fixtures.ts';

const lineage = { runId: 'r', codeVersion: 'c', dataFingerprint: 'f', trainedAt: '2026-01-01T00:00:00.000Z' };
const partitionBy = ['Store', 'Brand'];
const forecastOf = (overrides: Record<string, unknown> = {}) =>
  forecastSchema.parse({ horizon: 8, holdout: 8, backtestWindows: 3, ...overrides });

function artifactOf(
  fixture: ReturnType<typeof retailSeries>,
  overrides: Record<string, unknown> = {},
): ModelArtifact {
  const outcome = trainPartition(fixture.series, {
    context: fixture.context,
    forecast: forecastOf(overrides),
    partitionBy,
    lineage,
  });
  if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
  return outcome.artifact;
}

describe('rolling-origin backtests', () => {
  it('given 156 weeks and 3 windows of 8, the origins are 8 weeks apart and the last is the holdout', () => {
    const y = new Float64Array(156).fill(1);
    expect(backtestOrigins(y, 8, 3, 8)).toEqual([132, 140, 148]);
    // Too little history before an earlier origin: that window is left out, the holdout never is.
    expect(backtestOrigins(new Float64Array(30).fill(1), 8, 3, 8)).toEqual([14, 22]);
    expect(backtestOrigins(new Float64Array(30).fill(1), 8, 1, 8)).toEqual([22]);
  });

  it('given a gap over an earlier window, steps over it to a window with actuals (the holdout always stays)', () => {
    const y = new Float64Array(156).fill(1);
    y.fill(Number.NaN, 136, 148); // the window 140..147 has no observed actual
    expect(backtestOrigins(y, 8, 3, 8)).toEqual([124, 132, 148]);
    // A holdout inside the gap is still the last origin: promotion judges it (and finds no actuals).
    y.fill(Number.NaN, 136, 156);
    expect(backtestOrigins(y, 8, 2, 8).at(-1)).toBe(148);
  });

  it('scores each candidate on all windows pooled, and records the windows and scores in the artifact', () => {
    const fixture = retailSeries({ seed: 31 });
    const artifact = artifactOf(fixture, { candidates: ['naive', 'mean'], selectionMetric: 'mase' });
    const { series, context } = fixture;
    expect(artifact.backtest!.origins).toEqual(['2023-07-16', '2023-09-10', '2023-11-05']);
    // Recompute naive's pooled MASE by hand: fit before each origin, forecast 8 weeks, pool the errors.
    const actual: number[] = [];
    const forecast: number[] = [];
    for (const cut of [132, 140, 148]) {
      const values = MODEL_FACTORIES.naive
        .fit(head(series, cut), context)
        .forecast(horizonOf(series, cut)).values;
      actual.push(...series.y.subarray(cut, cut + 8));
      forecast.push(...values.subarray(0, 8));
    }
    const scale = maseScale(series.y.subarray(0, 148), 52);
    expect(artifact.backtest!.scores.naive).toBeCloseTo(allMetrics({ actual, forecast, scale }).mase, 12);
    // Promotion's evidence stays on the last window alone.
    expect(artifact.holdout.candidates.naive!.forecast).toEqual(forecast.slice(16));
  });

  it('offers the mean of the best candidates as "combo": its holdout forecast is their mean, its model their refits', () => {
    const fixture = retailSeries({ seed: 32, truth: { noise: 0.3 } });
    const artifact = artifactOf(fixture, { combineTop: 2 });
    const scores = artifact.backtest!.scores as Record<string, number>;
    const best = ['naive', 'seasonal_naive', 'mean', 'ridge', 'ets', 'arx']
      .sort((a, b) => scores[a]! - scores[b]!)
      .slice(0, 2);
    const c = artifact.holdout.candidates;
    const mean = c[best[0] as 'ridge']!.forecast.map((v, h) => (v + c[best[1] as 'ridge']!.forecast[h]!) / 2);
    c.combo!.forecast.forEach((v, h) => {
      expect(v).toBeCloseTo(mean[h]!, 9);
    });

    const { series, context } = fixture;
    const combo = artifactOf(fixture, { combineTop: 2, candidates: ['combo', ...best] });
    expect(combo.chosen).toBe(artifact.chosen === 'combo' ? 'combo' : combo.chosen);
    if (combo.chosen === 'combo') {
      const loaded = loadModel(JSON.parse(JSON.stringify(combo.model)));
      const times = Int32Array.from({ length: 4 }, (_, i) => series.time.at(-1)! + 7 * (i + 1));
      const request = { horizon: 4, times };
      const members = best.map(
        (k) => MODEL_FACTORIES[k as 'ridge'].fit(series, context).forecast(request).values,
      );
      loaded.forecast(request).values.forEach((v, h) => {
        expect(v).toBeCloseTo((members[0]![h]! + members[1]![h]!) / 2, 9);
      });
    }
  });

  it('gives the chosen model intervals from its backtest residuals that widen with the level and hold the forecast', () => {
    const artifact = artifactOf(retailSeries({ seed: 33 }));
    const intervals = artifact.intervals!;
    expect(intervals.levels).toEqual([0.8, 0.95]);
    expect(intervals.scale).toBe('log1p');
    expect(intervals.residuals).toBe(24);
    expect(intervals.halfWidths[1]!).toBeGreaterThanOrEqual(intervals.halfWidths[0]!);
    expect(intervals.holdoutCoverage).toHaveLength(2);
    const values = Float64Array.from([100, 120, 0]);
    const [b80, b95] = bands(intervals, values, true);
    for (let h = 0; h < 3; h++) {
      expect(b95!.lower[h]!).toBeLessThanOrEqual(b80!.lower[h]!);
      expect(b80!.lower[h]!).toBeLessThanOrEqual(values[h]!);
      expect(b80!.upper[h]!).toBeGreaterThanOrEqual(values[h]!);
      expect(b95!.upper[h]!).toBeGreaterThanOrEqual(b80!.upper[h]!);
      expect(b95!.lower[h]!).toBeGreaterThanOrEqual(0);
    }
  });

  it('on noise, the 80 % and 95 % intervals cover about 80 % and 95 % of the holdout across partitions', () => {
    let inside80 = 0;
    let inside95 = 0;
    let points = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const { series, context } = noiseSeries(seed, 180);
      const cut = 172;
      const fitted = trainPartition(
        {
          ...series,
          time: series.time.subarray(0, cut),
          y: series.y.subarray(0, cut),
          x: series.x.map((f) => f.subarray(0, cut)),
        },
        { context, forecast: forecastOf({ backtestWindows: 6 }), partitionBy, lineage },
      );
      if (fitted.status !== 'ok') throw new Error(JSON.stringify(fitted));
      const request = horizonOf(series, cut);
      const values = loadModel(fitted.artifact.model).forecast(request).values;
      const [b80, b95] = bands(fitted.artifact.intervals!, values, true);
      for (let h = 0; h < 8; h++) {
        const a = series.y[cut + h]!;
        points++;
        if (a >= b80!.lower[h]! && a <= b80!.upper[h]!) inside80++;
        if (a >= b95!.lower[h]! && a <= b95!.upper[h]!) inside95++;
      }
    }
    expect(inside80 / points).toBeGreaterThan(0.7);
    expect(inside80 / points).toBeLessThan(0.9);
    expect(inside95 / points).toBeGreaterThan(0.88);
  });
});
