import { describe, expect, it } from 'vitest';
import { forecastSchema } from '../../src/config/schema.ts';
import { trainPartition } from '../../src/engine/train-partition.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { retailSeries } from '../models/fixtures.ts';

const lineage = { runId: 'r', codeVersion: 'c', dataFingerprint: 'f', trainedAt: '2026-01-01T00:00:00.000Z' };

function artifactOf(overrides: Record<string, unknown>): ModelArtifact {
  const { series, context } = retailSeries({ seed: 51 });
  const outcome = trainPartition(series, {
    context,
    forecast: forecastSchema.parse({ horizon: 8, holdout: 8, ...overrides }),
    partitionBy: ['Store', 'Brand'],
    lineage,
  });
  if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
  return outcome.artifact;
}

const columnsOf = (artifact: ModelArtifact) => {
  const params = artifact.model.params as {
    columns?: string[];
    regression?: { columns: string[] };
  };
  return params.columns ?? params.regression!.columns;
};

describe('forecast.trend', () => {
  it('by default, ridge and arx fit a trend column', () => {
    for (const kind of ['ridge', 'arx']) {
      expect(columnsOf(artifactOf({ candidates: [kind] }))).toContain('trend');
    }
  });

  it('given trend false, ridge and arx fit none, in the backtests and the refit alike', () => {
    for (const kind of ['ridge', 'arx']) {
      const artifact = artifactOf({ candidates: [kind], trend: false });
      expect(artifact.chosen).toBe(kind);
      expect(columnsOf(artifact)).not.toContain('trend');
      expect(columnsOf(artifact)).toContain('x:0');
    }
    // The holdout forecast (a backtest fit) differs from the one with a trend.
    const withTrend = artifactOf({ candidates: ['ridge'] }).holdout.candidates.ridge!.forecast;
    const without = artifactOf({ candidates: ['ridge'], trend: false }).holdout.candidates.ridge!.forecast;
    expect(without).not.toEqual(withTrend);
  });
});
