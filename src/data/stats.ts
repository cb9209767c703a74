import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../config/schema.ts';
import type { TypedColumns } from './checks.ts';
import type { PartitionStats } from './classify.ts';
import { num, queryRows } from './duckdb.ts';
import { featureCols, keyCols } from './typed.ts';

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

/** One aggregate pass over the typed view: everything the partition rules need, per partition. */
export async function partitionStats(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  typed: Pick<TypedColumns, 'days' | 'approxPartitions'>,
): Promise<PartitionStats[]> {
  const keys = keyCols(dataset);
  const features = featureCols(dataset);
  const nonFiniteFeature =
    features.length > 0 ? features.map((f) => `NOT isfinite(${f})`).join(' OR ') : 'false';
  const sql = `
    SELECT ${keys.join(', ')},
      count(*) AS n,
      ${distinctTimes(typed)} AS nd,
      ${DAY('min(t)')} AS first,
      ${DAY('max(t)')} AS last,
      datediff('month', min(t), max(t)) AS month_span,
      bit_count(bit_or(CAST(1 AS INTEGER) << dayofweek(t))) AS weekdays,
      count(*) FILTER (WHERE y IS NULL) AS y_null,
      count(*) FILTER (WHERE NOT isfinite(y)) AS y_nonfinite,
      count(*) FILTER (WHERE y < 0) AS y_negative,
      ${DAY('min(t) FILTER (WHERE NOT isfinite(y))')} AS first_nonfinite,
      ${DAY('min(t) FILTER (WHERE y < 0)')} AS first_negative,
      min(y) FILTER (WHERE isfinite(y)) AS min_y,
      count(*) FILTER (WHERE ${nonFiniteFeature}) AS f_nonfinite
      ${features.map((f) => `, count(${f}) AS ${f}_n`).join('')}
    FROM typed GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}`;
  const rows = await queryRows(connection, sql);
  return rows.map((r) => ({
    key: keys.map((k) => String(r[k])),
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
  const flagged = stats.filter((s) => s.rows > s.distinctTimes);
  if (flagged.length === 0) return;
  const keys = keyCols(dataset);
  const byKey = new Map(flagged.map((s) => [JSON.stringify(s.key), s]));
  // The join keeps the scan to flagged partitions' rows; arg_min picks the earliest repeated date per partition.
  const values = flagged
    .slice(0, 10_000)
    .map((s) => `(${s.key.map((k) => `'${k.replaceAll("'", "''")}'`).join(', ')})`)
    .join(', ');
  const rows = await queryRows(
    connection,
    `WITH flagged(${keys.join(', ')}) AS (VALUES ${values}),
          dup AS (SELECT ${keys.map((k) => `d.${k}`).join(', ')}, d.t, count(*) AS c
                    FROM typed d JOIN flagged USING (${keys.join(', ')})
                   GROUP BY ALL HAVING count(*) > 1)
     SELECT ${keys.join(', ')}, ${DAY('min(t)')} AS day, arg_min(c, t) AS c FROM dup GROUP BY ALL`,
  );
  for (const r of rows) {
    const s = byKey.get(JSON.stringify(keys.map((k) => String(r[k]))));
    if (s) s.firstDuplicate = { day: num(r.day), count: num(r.c) };
  }
}
