import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../config/schema.ts';
import type { Frequency } from '../core/vocabulary.ts';
import type { Progress } from '../util/progress.ts';
import { BUCKET_FILE, bucketDir, CATALOG_FILE } from './buckets.ts';
import type { Classification, PartitionStats } from './classify.ts';
import { num, queryRows } from './duckdb.ts';
import { ident, literal } from './sql.ts';
import { featureCols, keyCols, keyTextCols } from './typed.ts';

/** A partition with everything decided about it: its name, bucket and verdict. */
export interface PlannedPartition {
  stats: PartitionStats;
  verdict: Classification;
  name: string;
  bucket: number;
}

const EPOCH = `DATE '1970-01-01'`;

function gridDate(frequency: Frequency): string {
  if (frequency === 'D') return `${EPOCH} + CAST(first + i AS INTEGER)`;
  if (frequency === 'W') return `${EPOCH} + CAST(first + 7 * i AS INTEGER)`;
  return `CAST(${EPOCH} + first + to_months(CAST(i AS INTEGER)) AS DATE)`;
}

/**
 * Loads the verdicts into DuckDB with the appender and joins them to `stats`: the table `parts`, one row per
 * partition with its native and text keys. The plan is in pid order (see `partitionStats`), and pid is the
 * rank in key order, so sorting rows by pid then time sorts them by key then time, on integers.
 */
export async function loadPlan(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  plan: PlannedPartition[],
): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TABLE verdicts (pid INTEGER, name VARCHAR, bucket INTEGER, status VARCHAR, reason VARCHAR,
       first INTEGER, last INTEGER, periods INTEGER, input_rows INTEGER, gaps INTEGER, needs_fill BOOLEAN)`,
  );
  const appender = await connection.createAppender('verdicts');
  for (const [pid, p] of plan.entries()) {
    appender.appendInteger(pid);
    appender.appendVarchar(p.name);
    appender.appendInteger(p.bucket);
    appender.appendVarchar(p.verdict.status);
    appender.appendVarchar(p.verdict.problems.map((q) => q.message).join('; '));
    appender.appendInteger(p.stats.first);
    appender.appendInteger(p.stats.last);
    appender.appendInteger(p.verdict.periods);
    appender.appendInteger(p.stats.rows);
    appender.appendInteger(p.verdict.gaps);
    appender.appendBoolean(p.verdict.needsFill);
    appender.endRow();
  }
  appender.closeSync();
  const keys = [...keyCols(dataset), ...keyTextCols(dataset)].map((k) => `s.${k}`).join(', ');
  await connection.run(
    `CREATE OR REPLACE TABLE parts AS SELECT ${keys}, v.* FROM stats s JOIN verdicts v USING (pid)`,
  );
}

/**
 * The view `clean`: valid partitions only, each a regular series. Partitions that need no filling pass
 * straight through (the common, fast path); the others are laid on their full grid of periods, the target
 * left NULL where a period is missing and each feature carried forward (back-filled before its first value).
 */
export async function createCleanView(connection: DuckDBConnection, dataset: DatasetConfig): Promise<void> {
  const keys = keyCols(dataset);
  const features = featureCols(dataset);
  const onKeys = keys.map((k) => `d.${k} = p.${k}`).join(' AND ');
  const gridKeys = keys.map((k) => `d.${k} = g.${k}`).join(' AND ');
  const filled = features.map(
    (f) =>
      `coalesce(last_value(d.${f} IGNORE NULLS) OVER w, first_value(d.${f} IGNORE NULLS) OVER wa) AS ${f}`,
  );
  await connection.run(`
    CREATE OR REPLACE VIEW clean AS
    SELECT p.bucket, p.pid, d.t, d.y${features.map((f) => `, d.${f}`).join('')}
      FROM typed d JOIN parts p ON ${onKeys}
     WHERE p.status = 'ok' AND NOT p.needs_fill
    UNION ALL
    SELECT g.bucket, g.pid, g.t, d.y${filled.map((f) => `, ${f}`).join('')}
      FROM (SELECT bucket, pid, ${keys.join(', ')}, ${gridDate(dataset.frequency)} AS t
              FROM (SELECT *, unnest(range(periods)) AS i FROM parts WHERE status = 'ok' AND needs_fill)) g
      LEFT JOIN typed d ON ${gridKeys} AND d.t = g.t
    WINDOW w AS (PARTITION BY g.pid ORDER BY g.t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
           wa AS (PARTITION BY g.pid ORDER BY g.t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`);
}

/** The final columns, under the dataset's own names: keys come back from `parts` by pid. */
function finalColumns(dataset: DatasetConfig): string {
  return [
    ...dataset.partitionBy.map((c, i) => `p.s${i} AS ${ident(c)}`),
    `s.t AS ${ident(dataset.time)}`,
    `s.y AS ${ident(dataset.target)}`,
    ...dataset.features.map((c, i) => `s.f${i} AS ${ident(c)}`),
  ].join(', ');
}

/**
 * Writes `bucket=NNN/part.parquet`, rows sorted by key then time. With several buckets the rows are first
 * hash-partitioned in one parallel pass into a staging folder (integers and doubles only: the partition id
 * stands in for the key strings), then each bucket is sorted on its own and gets its keys back by a join
 * with the small `parts` table. DuckDB's partitioned COPY does not promise order within a file; a per-bucket
 * ORDER BY does.
 */
export async function writeBuckets(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  dir: string,
  buckets: number[],
  progress: Progress,
): Promise<void> {
  const features = featureCols(dataset)
    .map((f) => `, ${f}`)
    .join('');
  const target = (b: number) => literal(path.join(dir, bucketDir(b), BUCKET_FILE));
  const write = (from: string, b: number) =>
    connection.run(
      `COPY (SELECT ${finalColumns(dataset)} FROM ${from} s JOIN parts p USING (pid) ORDER BY s.pid, s.t)
         TO ${target(b)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  if (buckets.length === 0) return;
  if (buckets.length === 1) {
    const only = buckets[0]!;
    await mkdir(path.join(dir, bucketDir(only)), { recursive: true });
    await write('clean', only);
    progress.tick(1);
    return;
  }
  const staging = path.join(dir, '.staging');
  await connection.run(
    `COPY (SELECT bucket, pid, t, y${features} FROM clean) TO ${literal(staging)}
       (FORMAT parquet, COMPRESSION uncompressed, PARTITION_BY (bucket), ROW_GROUP_SIZE 16384)`,
  );
  for (const [i, b] of buckets.entries()) {
    await mkdir(path.join(dir, bucketDir(b)), { recursive: true });
    await write(
      `read_parquet(${literal(path.join(staging, `bucket=${b}`, '*.parquet'))}, hive_partitioning = false)`,
      b,
    );
    progress.tick(i + 1);
  }
  await rm(staging, { recursive: true, force: true });
}

export async function writeCatalog(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  dir: string,
): Promise<void> {
  await connection.run(`
    COPY (SELECT name, [${keyTextCols(dataset).join(', ')}] AS key, bucket,
                 CASE WHEN status = 'ok' THEN periods ELSE 0 END AS rows, input_rows,
                 CASE WHEN status = 'ok' THEN gaps ELSE 0 END AS filled,
                 ${EPOCH} + first AS start, ${EPOCH} + last AS "end", status, reason
            FROM parts ORDER BY name)
      TO ${literal(path.join(dir, CATALOG_FILE))} (FORMAT parquet, COMPRESSION zstd)`);
}

/**
 * A fingerprint of the prepared content: SHA-256 over the bucket files in bucket order plus the column roles.
 * DuckDB writes the sorted rows deterministically, so the same input gives the same fingerprint; hashing bytes
 * costs a fraction of re-reading 40 M rows. Also returns the row count from the Parquet footers.
 */
export async function fingerprint(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  dir: string,
  buckets: number[],
): Promise<{ rows: number; fingerprint: string }> {
  const files = buckets.map((b) => path.join(dir, bucketDir(b), BUCKET_FILE));
  if (files.length === 0) return { rows: 0, fingerprint: 'sha256:empty' };
  const [row] = await queryRows(
    connection,
    `SELECT sum(row_group_num_rows) AS n FROM parquet_metadata([${files.map(literal).join(', ')}])
      WHERE column_id = 0`,
  );
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      partitionBy: dataset.partitionBy,
      time: dataset.time,
      target: dataset.target,
      features: dataset.features,
      frequency: dataset.frequency,
    }),
  );
  for (const file of files) {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return { rows: num(row?.n), fingerprint: `sha256:${hash.digest('hex').slice(0, 32)}` };
}
