import type { CandidateKind } from '../core/vocabulary.ts';
import type { PartitionStatus } from '../engine/manifest.ts';
import type { DecisionInput, DecisionsInput, ManifestInput } from './schemas.ts';

/** A prediction interval around a dated series, one bound per date; NaN where it is unknown. */
export interface IntervalBand {
  /** Central coverage, e.g. 0.8. */
  level: number;
  lower: number[];
  upper: number[];
}

/** A dated series for a chart: ISO dates (YYYY-MM-DD) and values, NaN for a missing value. */
export interface DatedValues {
  dates: string[];
  values: number[];
  /** Prediction intervals around `values`, widest first; empty when the source carries none. */
  bands?: IntervalBand[];
}

/** One partition's accuracy next to its baseline on the same holdout. */
export interface Comparison {
  name: string;
  key: string[];
  chosen: CandidateKind;
  baseline: CandidateKind;
  /** True when the manifest did not record the baseline and it was inferred from the candidates' metrics. */
  baselineInferred: boolean;
  /** True when the chosen model IS the baseline (no candidate beat it on the holdout). */
  chosenIsBaseline: boolean;
  model: { wape: number; mase: number };
  base: { wape: number; mase: number };
  /** Relative WAPE improvement over the baseline: (baseline - model) / baseline; NaN when undefined. */
  lift: number;
}

export type ChartRole = 'requested' | 'best' | 'worst';

/** What one forecast-vs-actual chart needs. */
export interface ChartedPartition {
  name: string;
  key: string[];
  role: ChartRole;
  chosen: CandidateKind;
  baseline: CandidateKind;
  wape: { model: number; baseline: number };
  /** The last points before the holdout, from the prepared lake; null when the lake is absent. */
  history: DatedValues | null;
  holdout: {
    dates: string[];
    actual: number[];
    chosen: number[];
    baseline: number[];
    /** The chosen model's intervals over the holdout, widest first; empty for artifacts trained without them. */
    bands: IntervalBand[];
    /**
     * Out-of-sample coverage per band (intervals fitted on the earlier backtest windows, checked on the holdout);
     * null with a single window, where the bands were fitted on the holdout's own errors.
     */
    coverage: number[] | null;
  };
  /** The scored forecast beyond the data, from the predictions table; null when not scored. */
  future: DatedValues | null;
  decision: DecisionInput | null;
}

/** Everything the report shows, read from the run folder and the lake; the charts are pure functions of it. */
export interface ReportData {
  runId: string;
  runDir: string;
  manifest: ManifestInput;
  /** Null when evaluate-and-promote has not run for this run. */
  decisions: DecisionsInput | null;
  totals: Record<PartitionStatus, number>;
  comparisons: Comparison[];
  charted: ChartedPartition[];
  /** Failed and skipped partitions with their messages, sorted by name. */
  problems: { name: string; key: string[]; status: PartitionStatus; message: string }[];
  /** Which optional sources were found, so the page can say what it could not show. */
  sources: { history: boolean; predictions: boolean };
  /** Things the report could not read or show, each a sentence for the page. */
  warnings: string[];
  generatedAt: string;
}
