/**
 * The predictions table (Parquet in `predictions/run_id=<id>/`, a DuckDB table locally, a Synapse serverless view
 * on Azure). One row per partition and forecast period; a partition without a usable prod model gets one row
 * with a null forecast and its status, never a silent gap. The dataset's partition columns and its time column
 * come first, then `PREDICTION_COLUMNS` in this order: the scoring writer selects them from this list, the
 * Synapse view declares them from it, and the report reads them by these names.
 */

export const PREDICTION_STATUS = ['ok', 'no-model', 'failed'] as const;
export type PredictionStatus = (typeof PREDICTION_STATUS)[number];

/** The interval levels (in %) the table has bounds for: `lower_80`, `upper_80`, ... */
export const INTERVAL_LEVELS = [80, 95] as const;

/** Each fixed column with its Parquet (DuckDB) type, as `mm score` writes it, and its T-SQL type in the view. */
export const PREDICTION_COLUMN_TYPES = {
  forecast: { parquetType: 'DOUBLE', sqlType: 'FLOAT' },
  /** 1 for the first forecast period after the history, up to the horizon; null on a status-only row. */
  horizon_step: { parquetType: 'INTEGER', sqlType: 'INT' },
  status: { parquetType: 'VARCHAR', sqlType: 'VARCHAR(16)' },
  model_name: { parquetType: 'VARCHAR', sqlType: 'VARCHAR(128)' },
  model_version: { parquetType: 'INTEGER', sqlType: 'INT' },
  model_kind: { parquetType: 'VARCHAR', sqlType: 'VARCHAR(32)' },
  /** The training run that produced the prod model (its lineage). */
  training_run_id: { parquetType: 'VARCHAR', sqlType: 'VARCHAR(128)' },
  /** True when the prod model is the baseline, promoted as a stand-in because no candidate qualified. */
  baseline_model: { parquetType: 'BOOLEAN', sqlType: 'BIT' },
  used_fallback: { parquetType: 'BOOLEAN', sqlType: 'BIT' },
  fallback_periods: { parquetType: 'INTEGER', sqlType: 'INT' },
  lower_80: { parquetType: 'DOUBLE', sqlType: 'FLOAT' },
  upper_80: { parquetType: 'DOUBLE', sqlType: 'FLOAT' },
  lower_95: { parquetType: 'DOUBLE', sqlType: 'FLOAT' },
  upper_95: { parquetType: 'DOUBLE', sqlType: 'FLOAT' },
  run_id: { parquetType: 'VARCHAR', sqlType: 'VARCHAR(128)' },
  scored_at: { parquetType: 'TIMESTAMP', sqlType: 'DATETIME2(6)' },
  message: { parquetType: 'VARCHAR', sqlType: 'VARCHAR(4000)' },
} as const satisfies Record<string, { parquetType: string; sqlType: string }>;

export type PredictionColumn = keyof typeof PREDICTION_COLUMN_TYPES;

/** The fixed columns, in table order. */
export const PREDICTION_COLUMNS = Object.keys(PREDICTION_COLUMN_TYPES) as PredictionColumn[];

/** Columns that are the same on every row of a scoring run: set by the writer, not carried by a row. */
export const RUN_COLUMNS = ['run_id', 'scored_at'] as const satisfies readonly PredictionColumn[];
