import type { CandidateKind } from '../core/vocabulary.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import type { Lineage, PromotionEvidence } from './rules.ts';

/** A run's artifact cannot be judged: it lacks a forecast the rules need, or its holdout arrays disagree. */
export class EvidenceError extends Error {
  override readonly name = 'EvidenceError';
}

/**
 * The MASE denominator of the holdout. New artifacts record it (`holdout.scale`); for older ones it is recovered
 * from any candidate's recorded MASE (MASE = MAE / scale), which is exact up to rounding. A MASE that JSON wrote
 * as null (Infinity) with a non-zero error means the scale was 0.
 */
export function holdoutScale(artifact: ModelArtifact): number {
  const recorded = artifact.holdout.scale;
  if (typeof recorded === 'number' && Number.isFinite(recorded) && recorded >= 0) return recorded;
  const actual = artifact.holdout.actual;
  for (const candidate of Object.values(artifact.holdout.candidates)) {
    if (!candidate) continue;
    const mae = meanAbsoluteError(actual, candidate.forecast);
    const mase = candidate.metrics.mase as number | null;
    if (!(mae > 0)) continue;
    if (mase === null || mase === Number.POSITIVE_INFINITY) return 0;
    if (Number.isFinite(mase) && mase > 0) return mae / mase;
  }
  // Every candidate was exact on the holdout: MASE is 0 whatever the scale.
  return 1;
}

function meanAbsoluteError(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(actual.length, forecast.length); i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    if (Number.isFinite(a) && Number.isFinite(f)) {
      sum += Math.abs(a - f);
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

function forecastOf(artifact: ModelArtifact, kind: CandidateKind, role: string): number[] {
  const forecast = artifact.holdout.candidates[kind]?.forecast;
  if (!forecast) throw new EvidenceError(`the ${role} '${kind}' has no holdout forecast`);
  if (forecast.length !== artifact.holdout.actual.length) {
    throw new EvidenceError(
      `the ${role} '${kind}' holdout forecast has ${forecast.length} values but the holdout has ${artifact.holdout.actual.length}`,
    );
  }
  return forecast;
}

/**
 * Everything the rules compare, taken from one run's artifact so all three models are scored on the same
 * holdout: the chosen candidate, the baseline, and the prod champion's model kind as this run fitted it
 * (`championKind`; undefined when prod has no champion). A champion of a kind this run did not evaluate stays
 * unscored, and the rules fail closed on it.
 */
export function evidenceFrom(
  artifact: ModelArtifact,
  champion: { kind: CandidateKind | undefined; lineage?: Lineage | undefined } | undefined,
): PromotionEvidence {
  if (artifact.holdout.actual.length === 0) throw new EvidenceError('the holdout has no actual values');
  const championForecast = champion?.kind ? artifact.holdout.candidates[champion.kind]?.forecast : undefined;
  return {
    actual: artifact.holdout.actual,
    candidate: { kind: artifact.chosen, forecast: forecastOf(artifact, artifact.chosen, 'chosen candidate') },
    baseline: { kind: artifact.baseline, forecast: forecastOf(artifact, artifact.baseline, 'baseline') },
    champion:
      champion?.kind && championForecast
        ? { kind: champion.kind, forecast: forecastOf(artifact, champion.kind, 'champion kind') }
        : undefined,
    hasChampion: champion !== undefined,
    scale: holdoutScale(artifact),
    history: artifact.window.observations,
    lineage: {
      candidate: {
        dataFingerprint: artifact.lineage.dataFingerprint,
        codeVersion: artifact.lineage.codeVersion,
      },
      champion: champion?.lineage,
    },
  };
}

/** The artifact prod serves for an outcome: the candidate as trained, or its baseline refit as the stand-in. */
export function servedArtifact(artifact: ModelArtifact, standIn: boolean): ModelArtifact {
  if (!standIn) return artifact;
  return { ...artifact, chosen: artifact.baseline, model: artifact.baselineModel };
}
