import { describe, expect, it } from 'vitest';
import { forecastSchema } from '../../src/config/schema.ts';
import { preferCombination } from '../../src/engine/selection.ts';
import { trainPartition } from '../../src/engine/train-partition.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { retailSeries } from '../models/fixtures.ts';

const lineage = { runId: 'r', codeVersion: 'c', dataFingerprint: 'f', trainedAt: '2026-01-01T00:00:00.000Z' };

function artifactOf(
  fixture: ReturnType<typeof retailSeries>,
  overrides: Record<string, unknown>,
): ModelArtifact {
  const outcome = trainPartition(fixture.series, {
    context: fixture.context,
    forecast: forecastSchema.parse({ horizon: 8, holdout: 8, ...overrides }),
    partitionBy: ['Store', 'Brand'],
    lineage,
  });
  if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
  return outcome.artifact;
}

describe('preferring the combination (forecast.comboMargin)', () => {
  it('given margin 0, keeps the ranking by score as it is', () => {
    expect(preferCombination(['ridge', 'combo', 'naive'], { ridge: 0.1, combo: 0.2, naive: 0.3 }, 0)).toEqual(
      ['ridge', 'combo', 'naive'],
    );
  });

  it('given a single candidate less than the margin better, moves the combination first', () => {
    expect(
      preferCombination(['ridge', 'combo', 'naive'], { ridge: 0.19, combo: 0.2, naive: 0.3 }, 0.1),
    ).toEqual(['combo', 'ridge', 'naive']);
  });

  it('given a single candidate more than the margin better, keeps it first', () => {
    expect(preferCombination(['ridge', 'combo'], { ridge: 0.17, combo: 0.2 }, 0.1)).toEqual([
      'ridge',
      'combo',
    ]);
  });

  it('given no finite combination score, keeps the ranking', () => {
    expect(preferCombination(['ridge', 'naive'], { ridge: 0.1, naive: 0.2 }, 0.1)).toEqual([
      'ridge',
      'naive',
    ]);
    expect(
      preferCombination(['ridge', 'combo'], { ridge: 0.1, combo: Number.POSITIVE_INFINITY }, 0.1),
    ).toEqual(['ridge', 'combo']);
  });
});

describe('combination members (forecast.combineFrom)', () => {
  // A noisy series, where the naive benchmarks score close to the models and can rank among the best three.
  const fixture = retailSeries({ seed: 32, truth: { noise: 0.3 } });

  it('given combineFrom models, averages the best model candidates and leaves the benchmarks out', () => {
    const artifact = artifactOf(fixture, { combineFrom: 'models', comboMargin: 1 });
    expect(artifact.chosen).toBe('combo');
    const members = (artifact.model.params as { members: { kind: string }[] }).members.map((m) => m.kind);
    expect(members).toHaveLength(3);
    expect(members.some((k) => ['naive', 'seasonal_naive', 'mean'].includes(k))).toBe(false);
    // Its holdout forecast is the members' mean.
    const c = artifact.holdout.candidates;
    c.combo!.forecast.forEach((v, h) => {
      const mean = members.reduce((s, k) => s + c[k as 'ridge']!.forecast[h]!, 0) / members.length;
      expect(v).toBeCloseTo(mean, 9);
    });
  });

  it('given combineFrom models but fewer than two model candidates, draws from every candidate', () => {
    const artifact = artifactOf(fixture, {
      candidates: ['naive', 'mean', 'ridge', 'combo'],
      combineFrom: 'models',
      comboMargin: 1,
    });
    expect(artifact.chosen).toBe('combo');
    const members = (artifact.model.params as { members: { kind: string }[] }).members.map((m) => m.kind);
    expect(members).toHaveLength(3);
    expect(new Set(members)).toEqual(new Set(['naive', 'mean', 'ridge']));
  });

  it('by default (all, margin 0) keeps choosing by the plain best score, the benchmarks eligible as members', () => {
    const artifact = artifactOf(fixture, {});
    const scores = artifact.backtest!.scores as Record<string, number>;
    const best = Object.keys(scores).sort((a, b) => scores[a]! - scores[b]!)[0];
    expect(artifact.chosen).toBe(best);
  });
});
