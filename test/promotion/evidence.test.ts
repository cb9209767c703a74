import { describe, expect, it } from 'vitest';
import { EvidenceError, evidenceFrom, holdoutScale, servedArtifact } from '../../src/promotion/evidence.ts';
import { FORECAST, makeArtifact } from './fixtures.ts';

const run = { runId: 'run-1', partitions: [] };

describe('evidenceFrom', () => {
  it('takes the candidate, baseline and champion-kind forecasts from the same holdout', () => {
    const artifact = makeArtifact(
      { key: ['1'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.fair, ets: FORECAST.poor } },
      run,
    );
    const evidence = evidenceFrom(artifact, { kind: 'ets' });
    expect(evidence).toMatchObject({
      actual: [100, 100, 100, 100],
      candidate: { kind: 'ridge', forecast: FORECAST.fair },
      baseline: { kind: 'seasonal_naive', forecast: FORECAST.bad },
      champion: { kind: 'ets', forecast: FORECAST.poor },
      hasChampion: true,
      scale: 10,
      history: 156,
    });
  });

  it('leaves a champion of an unevaluated kind unscored but present, and no champion absent', () => {
    const artifact = makeArtifact({ key: ['1'] }, run);
    expect(evidenceFrom(artifact, { kind: 'ets' })).toMatchObject({ champion: undefined, hasChampion: true });
    expect(evidenceFrom(artifact, { kind: undefined })).toMatchObject({
      champion: undefined,
      hasChampion: true,
    });
    expect(evidenceFrom(artifact, undefined)).toMatchObject({ champion: undefined, hasChampion: false });
  });

  it('names the missing or misaligned forecast', () => {
    const noBaseline = makeArtifact({ key: ['1'], candidates: { ridge: FORECAST.fair } }, run);
    expect(() => evidenceFrom(noBaseline, undefined)).toThrow(
      new EvidenceError("the baseline 'seasonal_naive' has no holdout forecast"),
    );
    const short = makeArtifact({ key: ['1'] }, run);
    short.holdout.candidates.seasonal_naive!.forecast = [1, 2, 3];
    expect(() => evidenceFrom(short, undefined)).toThrow(
      "the baseline 'seasonal_naive' holdout forecast has 3 values but the holdout has 4",
    );
  });
});

describe('holdoutScale', () => {
  it('uses the recorded scale, or recovers it from a recorded MASE', () => {
    const artifact = makeArtifact({ key: ['1'], scale: 7.5 }, run);
    expect(holdoutScale(artifact)).toBe(7.5);
    delete artifact.holdout.scale;
    expect(holdoutScale(artifact)).toBeCloseTo(7.5, 12);
  });

  it('reads a MASE that JSON stored as null as a zero scale, and an all-exact holdout as scale 1', () => {
    const zero = JSON.parse(JSON.stringify(makeArtifact({ key: ['1'], scale: 0 }, run)));
    delete zero.holdout.scale;
    expect(zero.holdout.candidates.ridge.metrics.mase).toBeNull();
    expect(holdoutScale(zero)).toBe(0);
    const exact = makeArtifact({ key: ['1'], candidates: { seasonal_naive: FORECAST.perfect } }, run);
    delete exact.holdout.scale;
    expect(holdoutScale(exact)).toBe(1);
  });
});

describe('servedArtifact', () => {
  it('serves the baseline refit as the stand-in, and the candidate as is otherwise', () => {
    const artifact = makeArtifact({ key: ['1'] }, run);
    expect(servedArtifact(artifact, false)).toBe(artifact);
    const fallback = servedArtifact(artifact, true);
    expect(fallback.chosen).toBe('seasonal_naive');
    expect(fallback.model).toEqual(artifact.baselineModel);
    expect(fallback.holdout).toEqual(artifact.holdout);
  });
});
