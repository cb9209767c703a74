import { z } from 'zod';

/**
 * `prepared/catalog.parquet`: one row per partition of the prepared lake, valid or not, sorted by name. Prepare
 * writes it with DuckDB (`writeCatalog`); `listPartitions` reads it back through `catalogEntrySchema`, and the
 * partition stream reads its `name, key, bucket, rows` columns. The raw key is one VARCHAR[] column, so key names
 * can never clash with these.
 */

/** What the data layer says about a partition; anything but 'ok' excludes it from training and scoring. */
export const PARTITION_STATUSES = [
  'ok',
  'duplicate_time',
  'irregular_time',
  'non_finite_target',
  'negative_target',
  'non_finite_feature',
  'no_feature_values',
  'too_short',
  'too_many_gaps',
] as const;

/** The Parquet columns, in the order the writer selects them. */
export const CATALOG_COLUMNS = [
  'name',
  'key',
  'bucket',
  'rows',
  'input_rows',
  'filled',
  'start',
  'end',
  'status',
  'reason',
] as const;

const count = z.number().int().min(0);

/** One catalog row as the engine sees it: dates as epoch days, snake_case columns in camelCase. */
export const catalogEntrySchema = z.object({
  /** Model name, see `src/core/model-name.ts`. */
  name: z.string().min(1),
  /** Raw key values in `dataset.partitionBy` order. */
  key: z.array(z.string()),
  bucket: count,
  /** Prepared rows (regular series, gaps filled); 0 for excluded partitions. */
  rows: count,
  /** Rows the partition had in the input. */
  inputRows: count,
  /** Periods added to fill gaps. */
  filled: count,
  /** First and last period, epoch days. */
  start: z.number().int(),
  end: z.number().int(),
  status: z.enum(PARTITION_STATUSES),
  /** Empty for 'ok'; otherwise every problem found, '; '-separated. */
  reason: z.string(),
});

export type CatalogEntry = z.infer<typeof catalogEntrySchema>;
export const catalogSchema = z.array(catalogEntrySchema);
