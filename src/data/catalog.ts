import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeZodIssues } from '../config/errors.ts';
import { ContractError } from '../contracts/json-file.ts';
import { type CatalogEntry, catalogSchema } from '../contracts/prepared-catalog.ts';
import { CATALOG_FILE } from './buckets.ts';
import { num, openDuck, queryRows } from './duckdb.ts';
import { ValidationError } from './errors.ts';
import { literal } from './sql.ts';

export type { CatalogEntry } from '../contracts/prepared-catalog.ts';

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
    const entries = rows.map((r) => ({
      name: r.name,
      key: r.key,
      bucket: num(r.bucket),
      rows: num(r.rows),
      inputRows: num(r.input_rows),
      filled: num(r.filled),
      start: num(r.s),
      end: num(r.e),
      status: r.status,
      reason: r.reason ?? '',
    }));
    const parsed = catalogSchema.safeParse(entries);
    if (!parsed.success) throw new ContractError('prepared catalog', file, describeZodIssues(parsed.error));
    return filter ? parsed.data.filter(filter) : parsed.data;
  } finally {
    duck.close();
  }
}
