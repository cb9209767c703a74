import type { z } from 'zod';
import type { modelArtifactSchema } from '../contracts/artifact.ts';
import type { CandidateKind, Frequency, MetricName } from '../core/vocabulary.ts';
import type { Intervals } from './intervals.ts';
import type { ModelState } from './types.ts';

export type Metrics = Record<MetricName, number>;

/** Where an artifact came from; carried into registry tags and promotion decisions. */
export type Lineage = {
  runId: string;
  codeVersion: string;
  /** Hash of the prepared data this model was trained on. */
  dataFingerprint: string;
  trainedAt: string;
};

/**
 * The small versioned JSON document that is "a model" in this project: the fitted state of the chosen
 * candidate (refitted on all data), how it scored on the holdout next to every other candidate, and lineage.
 */
export type ModelArtifact = {
  schemaVersion: 1;
  /** Deterministic registry name, see `src/registry/naming.ts`. */
  name: string;
  /** Raw partition key: column -> value. */
  partition: Record<string, string>;
  chosen: CandidateKind;
  /** The naive candidate every model must beat (seasonal naive when the series is long enough). */
  baseline: CandidateKind;
  model: ModelState;
  /** The baseline, refitted on all data: the documented fallback when no candidate has qualified yet. */
  baselineModel: ModelState;
  features: string[];
  frequency: Frequency;
  seasonLength: number;
  window: { start: string; end: string; observations: number };
  holdout: {
    start: string;
    end: string;
    /** Actual values on the holdout, so a challenger and a champion can be re-scored on the same window. */
    actual: number[];
    /**
     * MASE denominator of the training window before the holdout (see `maseScale`), so MASE can be recomputed
     * when a challenger and a champion are re-scored. Optional for older artifacts: promotion derives it from a
     * candidate's recorded MASE when absent.
     */
    scale?: number;
    /** Each candidate's holdout forecast and metrics. */
    candidates: Partial<Record<CandidateKind, { forecast: number[]; metrics: Metrics }>>;
    /** Candidates that could not be fitted or forecast on this partition, with the error that stopped them. */
    failures?: Partial<Record<CandidateKind, { class: string; message: string }>>;
  };
  /**
   * The rolling-origin backtest selection rested on: the windows' first dates (the last is the holdout) and every
   * candidate's selection metric pooled over them. Absent in artifacts trained before backtests.
   */
  backtest?: {
    origins: string[];
    metric: MetricName;
    /** A score JSON wrote as null was Infinity (a zero denominator). */
    scores: Partial<Record<CandidateKind, number | null>>;
  };
  /** Prediction intervals for the chosen model, from its backtest residuals (see `intervals.ts`). */
  intervals?: Intervals;
  lineage: Lineage;
};

// Type aliases, not interfaces: the contract's loose objects carry an index signature an interface cannot meet.
/**
 * The engine writes `ModelArtifact`; its readers parse `modelArtifactSchema` (`src/contracts/artifact.ts`). This
 * line stops the build when the two drift apart: every artifact the engine can write must satisfy the contract.
 */
export const ARTIFACT_FITS_CONTRACT: ModelArtifact extends z.input<typeof modelArtifactSchema>
  ? true
  : never = true;
