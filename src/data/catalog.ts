import { existsSync } from 'node:fs';
import path from 'node:path';
import { CATALOG_FILE } from './buckets.ts';
import type { PreparedStatus } from './classify.ts';
import { num, openDuck, queryRows } from './duckdb.ts';
import { ValidationError } from './errors.ts';
import { literal } from './sql.ts';

/** One partition of the prepared lake, valid or not (`prepared/catalog.parquet`). */
export interface CatalogEntry {
  /** Model name, see `src/registry/naming.ts`. */
  name: string;
  /** Raw key values in `dataset.partitionBy` order. */
  key: string[];
  bucket: number;
  /** Prepared rows (regular series, gaps filled); 0 for excluded partitions. */
  rows: number;
  /** Rows the partition had in the input. */
  inputRows: number;
  /** Periods added to fill gaps. */
  filled: number;
  /** First and last period, epoch days. */
  start: number;
  end: number;
  status: PreparedStatus;
  /** Empty for 'ok'; otherwise every problem found, '; '-separated. */
  reason: string;
}

/** The catalog's SQL columns; the raw key is one VARCHAR[] column so key names can never clash with these. */
export const CATALOG_COLUMNS =
  'name VARCHAR, key VARCHAR[], bucket INTEGER, rows INTEGER, input_rows INTEGER, filled INTEGER, start DATE, "end" DATE, status VARCHAR, reason VARCHAR';

/** Every partition of a prepared folder, sorted by name; `filter` keeps a subset (e.g. status 'ok'). */
export async function listPartitions(
  preparedDir: string,
  filter?: (entry: CatalogEntry) => boolean,
): Promise<CatalogEntry[]> {
  const file = path.join(preparedDir, CATALOG_FILE);
  if (!existsSync(file)) {
    throw new ValidationError(`no prepared data in ${preparedDir}`, [
      `${file} not found; run 'mm prepare' first`,
    ]);
  }
  const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
  try {
    const rows = await queryRows(
      duck.connection,
      `SELECT name, key, bucket, rows, input_rows,  filled,
              CAST(start - DATE '1970-01-01' AS INTEGER) AS s, CAST("end" - DATE '1970-01-01' AS INTEGER) AS e,
              status, reason
         FROM read_parquet(${literal(file)}) ORDER BY name`,
    );
    const entries = rows.map(
      (r): CatalogEntry => ({
        name: String(r.name),
        key: (r.key as unknown[]).map(String),
        bucket: num(r.bucket),
        rows: num(r.rows),
        inputRows: num(r.input_rows),
        filled: num(r.filled),
        start: num(r.s),
        end: num(r.e),
        status: String(r.status) as PreparedStatus,
        reason: String(r.reason ?? ''),
      }),
    );
    return filter ? entries.filter(filter) : entries;
  } finally {
    duck.close();
  }
}
