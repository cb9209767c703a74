import type { PredictionStatus } from '../contracts/predictions.ts';

export {
  PREDICTION_COLUMNS,
  PREDICTION_STATUS,
  type PredictionStatus,
} from '../contracts/predictions.ts';

/** One row of the predictions table (`src/contracts/predictions.ts`) before the writer adds the run's columns. */
export interface PredictionRow {
  key: string[];
  /** Epoch day of the forecast period; null on a status-only row. */
  time: number | null;
  forecast: number | null;
  status: PredictionStatus;
  modelName: string;
  modelVersion: number | null;
  modelKind: string | null;
  /** 1..horizon: the forecast period's place after the history; null on a status-only row. */
  horizonStep: number | null;
  /** The training run of the prod model; null without a model. */
  trainingRunId: string | null;
  /** The prod model is the tagged baseline stand-in (promotion outcome promote-baseline). */
  baselineModel: boolean | null;
  /** True when this period's planned covariates were missing and the model's documented fallback was used. */
  usedFallback: boolean;
  /** How many of the partition's horizon periods used the fallback (the same on each of its rows); null on a status-only row. */
  fallbackPeriods: number | null;
  /** The 80 % and 95 % prediction interval bounds; null where the model carries no intervals at that level. */
  interval: { lower80: number; upper80: number; lower95: number; upper95: number } | null;
  runId: string;
  /** Why a status-only row has no forecast. */
  message?: string;
}
