import { existsSync, globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ContractError, parseJsonText } from '../contracts/json-file.ts';
import { INTERVAL_LEVELS, PREDICTION_COLUMNS } from '../contracts/predictions.ts';
import { type PreparedMetaHints, preparedMetaHintsSchema } from '../contracts/prepared-meta.ts';
import { shardOf } from '../engine/shard.ts';
import type { DatedValues } from './types.ts';

/**
 * Optional chart context from the lake, read with DuckDB: recent history from the prepared Parquet lake and
 * the scored future from the predictions table. One scan per source for all charted partitions; partition keys
 * travel as bound parameters, never as SQL text.
 */

export interface WantedPartition {
  name: string;
  key: string[];
  /** ISO date: history is read strictly before it (the holdout start). */
  before: string;
}

export interface PreparedColumns {
  partitionBy: string[];
  time: string;
  target: string;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Column names and bucket count from `prepared/meta.json`, read through its contract's optional view; null when
 * the file is absent or unreadable, so the report falls back to the config's names.
 */
export function preparedColumnsFromMeta(file: string): PreparedMetaHints | null {
  if (!existsSync(file)) return null;
  try {
    return parseJsonText(file, readFileSync(file, 'utf8'), preparedMetaHintsSchema, 'prepared meta');
  } catch (error) {
    if (error instanceof ContractError) return null;
    throw error;
  }
}

/** SQL for a time column as a DATE, whether it is stored as DATE, TIMESTAMP, text or epoch days. */
function dateExpr(column: string, type: string): string {
  const col = `p.${quoteIdent(column)}`;
  if (/INT/i.test(type)) return `(DATE '1970-01-01' + CAST(${col} AS INTEGER))`;
  return `CAST(${col} AS DATE)`;
}

type Connection = Awaited<ReturnType<DuckDBInstance['connect']>>;

async function describe(conn: Connection, source: string): Promise<Map<string, string>> {
  const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const types = new Map<string, string>();
  for (const row of reader.getRowObjectsJS()) types.set(String(row.column_name), String(row.column_type));
  return types;
}

function wantedValues(wanted: readonly WantedPartition[], width: number) {
  const params: string[] = [];
  const rows = wanted.map((w) => {
    const start = params.length;
    params.push(w.name, ...w.key, w.before);
    return `(${Array.from({ length: width + 2 }, (_, i) => `$${start + i + 1}`).join(', ')})`;
  });
  const cols = ['name', ...Array.from({ length: width }, (_, i) => `k${i}`), 'before'];
  return { sql: `wanted(${cols.join(', ')}) AS (VALUES ${rows.join(', ')})`, params };
}

function keyJoin(partitionBy: readonly string[]): string {
  return partitionBy.map((c, i) => `CAST(p.${quoteIdent(c)} AS VARCHAR) = w.k${i}`).join(' AND ');
}

function collect(rows: Record<string, unknown>[]): Map<string, DatedValues> {
  const out = new Map<string, DatedValues>();
  for (const row of rows) {
    const name = String(row.name);
    const series = out.get(name) ?? { dates: [], values: [] };
    out.set(name, series);
    series.dates.push(String(row.t));
    series.values.push(typeof row.y === 'number' ? row.y : Number.NaN);
  }
  return out;
}

export interface LakeReader {
  history(
    files: readonly string[],
    columns: PreparedColumns,
    wanted: readonly WantedPartition[],
    points: number,
  ): Promise<Map<string, DatedValues>>;
  future(
    files: readonly string[],
    partitionBy: readonly string[],
    wanted: readonly WantedPartition[],
  ): Promise<Map<string, DatedValues>>;
  close(): void;
}

// Dot-files are writers' temporary files (renamed into place when complete): never read them.
const visible = (files: string[]) =>
  files.filter((f) => !f.split(path.sep).some((part) => part.startsWith('.')));

export const preparedFiles = (preparedDir: string) =>
  visible(globSync(path.join('bucket=*', 'part.parquet'), { cwd: preparedDir })).map((f) =>
    path.join(preparedDir, f),
  );
export const predictionFiles = (predictionsDir: string) =>
  visible(globSync(path.join('**', '*.parquet'), { cwd: predictionsDir })).map((f) =>
    path.join(predictionsDir, f),
  );

/**
 * The bucket files holding the wanted partitions when the bucket count is known (one small read instead of a
 * scan of the whole lake); every bucket file otherwise, or when a computed file is missing.
 */
export function bucketFilesFor(
  preparedDir: string,
  names: readonly string[],
  buckets: number | undefined,
): string[] {
  if (buckets !== undefined) {
    const files = [...new Set(names.map((n) => shardOf(n, buckets)))]
      .sort((a, b) => a - b)
      .map((b) => path.join(preparedDir, `bucket=${String(b).padStart(3, '0')}`, 'part.parquet'));
    if (files.every((f) => existsSync(f))) return files;
  }
  return preparedFiles(preparedDir);
}

const TIME_TYPE = /^(DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_[A-Z]+|INTEGER|BIGINT|SMALLINT)$/i;

/** Opens an in-memory DuckDB over the lake folders; callers check for files first. */
export async function openLake(): Promise<LakeReader> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const parquet = (files: readonly string[]) =>
    `read_parquet([${files.map(quoteLiteral).join(', ')}], hive_partitioning = false, union_by_name = true)`;

  return {
    async history(files, columns, wanted, points) {
      if (wanted.length === 0 || files.length === 0) return new Map();
      const source = parquet(files);
      const types = await describe(conn, source);
      for (const c of [...columns.partitionBy, columns.time, columns.target]) {
        if (!types.has(c)) throw new Error(`the prepared lake has no column '${c}'`);
      }
      const d = dateExpr(columns.time, types.get(columns.time)!);
      const w = wantedValues(wanted, columns.partitionBy.length);
      const sql = `WITH ${w.sql}
        SELECT name, strftime(d, '%Y-%m-%d') AS t, y FROM (
          SELECT w.name AS name, ${d} AS d, CAST(p.${quoteIdent(columns.target)} AS DOUBLE) AS y,
                 row_number() OVER (PARTITION BY w.name ORDER BY ${d} DESC) AS rn
          FROM ${source} AS p JOIN wanted AS w ON ${keyJoin(columns.partitionBy)}
          WHERE ${d} < CAST(w.before AS DATE)
        ) WHERE rn <= ${Math.max(1, Math.floor(points))} ORDER BY name, d`;
      return collect((await conn.runAndReadAll(sql, w.params)).getRowObjectsJS());
    },

    async future(files, partitionBy, wanted) {
      if (wanted.length === 0 || files.length === 0) return new Map();
      const source = parquet(files);
      const types = await describe(conn, source);
      const fixed = new Set<string>([...partitionBy, ...PREDICTION_COLUMNS]);
      const timeCols = [...types]
        .filter(([c, type]) => !fixed.has(c) && TIME_TYPE.test(type))
        .map(([c]) => c);
      const missing = [...partitionBy, 'forecast', 'status', 'scored_at'].filter((c) => !types.has(c));
      if (missing.length > 0) throw new Error(`the predictions table has no column(s) ${missing.join(', ')}`);
      if (timeCols.length !== 1) {
        throw new Error(`cannot tell the predictions' time column among: ${timeCols.join(', ') || '(none)'}`);
      }
      const timeCol = timeCols[0]!;
      const d = dateExpr(timeCol, types.get(timeCol)!);
      const w = wantedValues(wanted, partitionBy.length);
      // Tables written before intervals lack their columns: the future is then drawn without bands.
      const levels = INTERVAL_LEVELS.filter((l) => types.has(`lower_${l}`) && types.has(`upper_${l}`));
      const bounds = levels
        .map((l) => `CAST(p.lower_${l} AS DOUBLE) AS lower_${l}, CAST(p.upper_${l} AS DOUBLE) AS upper_${l}`)
        .map((c) => `, ${c}`)
        .join('');
      const outer = levels.map((l) => `, lower_${l}, upper_${l}`).join('');
      // A partition scored more than once keeps its newest scoring only.
      const sql = `WITH ${w.sql}
        SELECT name, strftime(d, '%Y-%m-%d') AS t, y${outer} FROM (
          SELECT w.name AS name, ${d} AS d, CAST(p.forecast AS DOUBLE) AS y${bounds}, p.scored_at AS scored_at,
                 max(p.scored_at) OVER (PARTITION BY w.name) AS newest
          FROM ${source} AS p JOIN wanted AS w ON ${keyJoin(partitionBy)}
          WHERE p.status = 'ok' AND p.forecast IS NOT NULL AND p.${quoteIdent(timeCol)} IS NOT NULL
        ) WHERE scored_at = newest ORDER BY name, d`;
      const rows = (await conn.runAndReadAll(sql, w.params)).getRowObjectsJS();
      const out = collect(rows);
      for (const series of out.values()) series.bands = [];
      for (const level of [...levels].sort((a, b) => b - a)) {
        const number = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
        for (const [name, series] of out) {
          const own = rows.filter((r) => String(r.name) === name);
          const band = {
            level: level / 100,
            lower: own.map((r) => number(r[`lower_${level}`])),
            upper: own.map((r) => number(r[`upper_${level}`])),
          };
          // A model trained without intervals scores null bounds: no band rather than an empty one.
          if (band.lower.some(Number.isFinite)) series.bands!.push(band);
        }
      }
      return out;
    },

    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
