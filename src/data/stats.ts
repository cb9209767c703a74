import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../config/schema.ts';
import type { TypedColumns } from './checks.ts';
import type { PartitionStats } from './classify.ts';
import { num, queryRows } from './duckdb.ts';
import { featureCols, keyCols, keyTextCols } from './typed.ts';

const DAY = (expr: string) => `CAST(${expr} - DATE '1970-01-01' AS INTEGER)`;

function nullableNum(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** Above this many bytes of per-partition date bitmaps, distinct dates are counted with a hash set instead. */
const BITMAP_BUDGET = 256 * 2 ** 20;

/**
 * Distinct dates per partition. A bitmap over the dataset's date range (bitstring_agg) is several times
 * cheaper than count(DISTINCT) and needs far less memory, as long as partitions x range stays small.
 */
function distinctTimes(typed: Pick<TypedColumns, 'days' | 'approxPartitions'>): string {
  const { min, max } = typed.days;
  const bytes = (Math.ceil((max - min + 32) / 8) + 16) * Math.max(typed.approxPartitions, 1) * 1.1;
  if (!Number.isFinite(min) || !Number.isFinite(max) || bytes > BITMAP_BUDGET) return 'count(DISTINCT t)';
  // Monthly periods start on the 1st, up to 30 days before the earliest raw date.
  return `bit_count(bitstring_agg(${DAY('t')}, ${min - 31}, ${max}))`;
}

/**
 * One aggregate pass over the typed view: everything the partition rules need, per partition, kept in the
 * table `stats` (native keys for joins, text keys, and pid: the partition's rank in text-key order, which is the
 * order rows are written in). Returned sorted by pid, so a partition's index in the result is its pid.
 */
export async function partitionStats(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  typed: Pick<TypedColumns, 'days' | 'approxPartitions'>,
): Promise<PartitionStats[]> {
  const keys = keyCols(dataset);
  const texts = keyTextCols(dataset);
  const features = featureCols(dataset);
  const nonFiniteFeature =
    features.length > 0 ? features.map((f) => `NOT isfinite(${f})`).join(' OR ') : 'false';
  await connection.run(`
    CREATE OR REPLACE TABLE stats AS
    SELECT CAST(row_number() OVER (ORDER BY ${texts.join(', ')}) - 1 AS INTEGER) AS pid, *
    FROM (
      SELECT ${keys.join(', ')}, ${keys.map((k, i) => `CAST(${k} AS VARCHAR) AS ${texts[i]}`).join(', ')},
        count(*) AS n,
        ${distinctTimes(typed)} AS nd,
        ${DAY('min(t)')} AS first,
        ${DAY('max(t)')} AS last,
        datediff('month', min(t), max(t)) AS month_span,
        bit_count(bit_or(CAST(1 AS INTEGER) << dayofweek(t))) AS weekdays,
        count(*) FILTER (WHERE y IS NULL) AS y_null,
        count(*) FILTER (WHERE NOT isfinite(y)) AS y_nonfinite,
        count(*) FILTER (WHERE y < 0 AND isfinite(y)) AS y_negative,
        ${DAY('min(t) FILTER (WHERE NOT isfinite(y))')} AS first_nonfinite,
        arg_min(CAST(y AS VARCHAR), t) FILTER (WHERE NOT isfinite(y)) AS first_nonfinite_value,
        ${DAY('min(t) FILTER (WHERE y < 0 AND isfinite(y))')} AS first_negative,
        min(y) FILTER (WHERE isfinite(y)) AS min_y,
        count(*) FILTER (WHERE ${nonFiniteFeature}) AS f_nonfinite
        ${features.map((f) => `, count(${f}) AS ${f}_n`).join('')}
      FROM typed GROUP BY ${keys.join(', ')})`);
  const rows = await queryRows(connection, `SELECT * EXCLUDE (${keys.join(', ')}) FROM stats ORDER BY pid`);
  return rows.map((r) => ({
    key: texts.map((k) => String(r[k])),
    rows: num(r.n),
    distinctTimes: num(r.nd),
    first: num(r.first),
    last: num(r.last),
    monthSpan: num(r.month_span),
    weekdays: num(r.weekdays),
    targetNull: num(r.y_null),
    targetNonFinite: num(r.y_nonfinite),
    targetNegative: num(r.y_negative),
    firstNonFinite: nullableNum(r.first_nonfinite),
    firstNonFiniteValue: r.first_nonfinite_value == null ? null : String(r.first_nonfinite_value),
    firstNegative: nullableNum(r.first_negative),
    minTarget: nullableNum(r.min_y),
    featureValues: features.map((f) => num(r[`${f}_n`])),
    featureNonFinite: num(r.f_nonfinite),
  }));
}

/** For partitions with repeated dates, the first repeated date and its count (examples for the report). */
export async function addDuplicateExamples(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  stats: PartitionStats[],
): Promise<void> {
  const flagged = stats.flatMap((s, pid) => (s.rows > s.distinctTimes ? [pid] : [])).slice(0, 10_000);
  if (flagged.length === 0) return;
  const on = keyCols(dataset)
    .map((k) => `d.${k} = s.${k}`)
    .join(' AND ');
  // The join keeps the scan to flagged partitions' rows; arg_min picks the count of the earliest repeated date.
  const rows = await queryRows(
    connection,
    `WITH dup AS (SELECT s.pid, d.t, count(*) AS c
                    FROM typed d JOIN (SELECT * FROM stats WHERE pid IN (${flagged.join(', ')})) s ON ${on}
                   GROUP BY ALL HAVING count(*) > 1)
     SELECT pid, ${DAY('min(t)')} AS day, arg_min(c, t) AS c FROM dup GROUP BY pid`,
  );
  for (const r of rows) {
    const s = stats[num(r.pid)];
    if (s) s.firstDuplicate = { day: num(r.day), count: num(r.c) };
  }
}
