import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../config/schema.ts';
import { queryRows } from './duckdb.ts';
import { ValidationError } from './errors.ts';
import { literal } from './sql.ts';

export type SourceFormat = 'csv' | 'parquet';

export interface Source {
  path: string;
  format: SourceFormat;
  /** Files the path (or glob) matched. */
  files: string[];
}

const GLOB = /[*?[]/;

export function formatOf(dataset: Pick<DatasetConfig, 'path' | 'format'>): SourceFormat {
  if (dataset.format) return dataset.format;
  const lower = dataset.path.toLowerCase();
  if (/\.(csv|tsv|txt)(\.gz|\.zst)?$/.test(lower)) return 'csv';
  if (/\.(parquet|pq)$/.test(lower)) return 'parquet';
  throw new ValidationError(`cannot read dataset ${dataset.path}`, [
    `dataset.path: cannot tell the format from the file name; set dataset.format to csv or parquet`,
  ]);
}

/**
 * Resolves the dataset path to the files DuckDB will read, failing with a clear message when nothing is
 * there (DuckDB's own error would name neither the config key nor the folder that was searched).
 */
export async function resolveSource(
  connection: DuckDBConnection,
  dataset: Pick<DatasetConfig, 'path' | 'format'>,
): Promise<Source> {
  const format = formatOf(dataset);
  const remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(dataset.path);
  if (remote) return { path: dataset.path, format, files: [dataset.path] };
  if (!GLOB.test(dataset.path)) {
    if (!existsSync(dataset.path)) {
      throw new ValidationError(`cannot read dataset ${dataset.path}`, [
        `dataset.path: file not found: ${dataset.path} (looked in ${path.dirname(path.resolve(dataset.path))})`,
      ]);
    }
    return { path: dataset.path, format, files: [dataset.path] };
  }
  const rows = await queryRows(connection, `SELECT file FROM glob(${literal(dataset.path)}) ORDER BY file`);
  const files = rows.map((r) => String(r.file));
  if (files.length === 0) {
    throw new ValidationError(`cannot read dataset ${dataset.path}`, [
      `dataset.path: no file matches the pattern ${dataset.path}`,
    ]);
  }
  return { path: dataset.path, format, files };
}

/**
 * The SQL table expression that reads the source. CSV is read as text so a stray word in a numeric column
 * becomes a located validation problem instead of a reader crash or a silently re-typed column.
 */
export function sourceRelation(source: Source): string {
  const files = `[${source.files.map(literal).join(', ')}]`;
  if (source.format === 'parquet') return `read_parquet(${files}, union_by_name = true)`;
  return `read_csv(${files}, header = true, all_varchar = true, union_by_name = true)`;
}

/** Creates the view `raw` over the source; unreadable files become a ValidationError naming the file. */
export async function createRawView(connection: DuckDBConnection, source: Source): Promise<void> {
  try {
    await connection.run(`CREATE OR REPLACE VIEW raw AS SELECT * FROM ${sourceRelation(source)}`);
    await connection.run('SELECT * FROM raw LIMIT 0');
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ValidationError(`cannot read dataset ${source.path}`, [
      `${source.path}: not a readable ${source.format} file (${message})`,
    ]);
  }
}
