/**
 * The predictions table contract (Parquet in `predictions/`, a DuckDB table locally, a Synapse serverless view
 * on Azure). One row per partition and forecast period; a partition without a usable prod model gets one row
 * with a null forecast and its status, never a silent gap.
 */
export const PREDICTION_STATUS = ['ok', 'no-model', 'failed'] as const;
export type PredictionStatus = (typeof PREDICTION_STATUS)[number];

/** Fixed columns that follow the dataset's partition columns and its time column. */
export const PREDICTION_COLUMNS = [
  'forecast',
  'status',
  'model_name',
  'model_version',
  'model_kind',
  'used_fallback',
  'fallback_periods',
  'lower_80',
  'upper_80',
  'lower_95',
  'upper_95',
  'run_id',
  'scored_at',
  'message',
] as const;

export interface PredictionRow {
  key: string[];
  /** Epoch day of the forecast period; null on a status-only row. */
  time: number | null;
  forecast: number | null;
  status: PredictionStatus;
  modelName: string;
  modelVersion: number | null;
  modelKind: string | null;
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
