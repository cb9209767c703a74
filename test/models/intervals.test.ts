import { describe, expect, it } from 'vitest';
import { forecastSchema } from '../../src/config/schema.ts';
import { trainPartition } from '../../src/engine/train-partition.ts';
import { conformalHalfWidth, smallSampleHalfWidth } from '../../src/models/intervals.ts';
import { normalQuantile, tQuantile } from '../../src/models/normal-quantile.ts';
import { retailSeries } from './fixtures.ts';

describe('quantiles for small-sample intervals', () => {
  it('gives the standard normal quantiles', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815516, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263479, 6);
    expect(() => normalQuantile(1)).toThrow(/p must be in \(0, 1\)/);
  });

  it("gives Student's t quantiles within 0.5 % from 10 degrees of freedom (tables: 2.2010 at 11, 1.3634 at 11)", () => {
    expect(tQuantile(0.975, 11)).toBeCloseTo(2.201, 1);
    expect(Math.abs(tQuantile(0.975, 11) / 2.201 - 1)).toBeLessThan(0.005);
    expect(Math.abs(tQuantile(0.9, 11) / 1.3634 - 1)).toBeLessThan(0.005);
  });
});

describe('interval half-widths from one short window', () => {
  // 12 residuals of a single window, as one 12-week holdout gives.
  const residuals = [0.05, -0.1, 0.12, -0.02, 0.3, -0.08, 0.04, 0.15, -0.2, 0.01, -0.06, 0.09];

  it('given 12 residuals, the conformal 95 % width is the single largest residual', () => {
    expect(conformalHalfWidth(residuals, 0.95)).toBe(0.3);
    expect(conformalHalfWidth(residuals, 0.99)).toBe(0.3);
  });

  it('widens to the t bound where the conformal rank runs out, and never narrows the conformal width', () => {
    const rms = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / 12);
    const t99 = tQuantile(0.995, 11) * rms * Math.sqrt(1 + 1 / 12);
    expect(smallSampleHalfWidth(residuals, 0.99)).toBeCloseTo(Math.max(0.3, t99), 12);
    expect(smallSampleHalfWidth(residuals, 0.99)).toBeGreaterThan(smallSampleHalfWidth(residuals, 0.95));
    for (const level of [0.5, 0.8, 0.95]) {
      expect(smallSampleHalfWidth(residuals, level)).toBeGreaterThanOrEqual(
        conformalHalfWidth(residuals, level),
      );
    }
  });

  it('given fewer than two residuals, keeps the conformal width', () => {
    expect(smallSampleHalfWidth([0.2], 0.8)).toBe(0.2);
    expect(smallSampleHalfWidth([], 0.8)).toBe(0);
  });
});

describe('a holdout without any observed actual', () => {
  it('gives the artifact no intervals rather than bands of width 0', () => {
    const { series, context } = retailSeries({ seed: 41 });
    const y = Float64Array.from(series.y);
    y.fill(Number.NaN, y.length - 8);
    const outcome = trainPartition(
      { ...series, y },
      {
        context,
        forecast: forecastSchema.parse({ horizon: 8, holdout: 8 }),
        partitionBy: ['Store', 'Brand'],
        lineage: {
          runId: 'r',
          codeVersion: 'c',
          dataFingerprint: 'f',
          trainedAt: '2026-01-01T00:00:00.000Z',
        },
      },
    );
    if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
    expect(outcome.artifact.intervals).toBeUndefined();
  });
});
