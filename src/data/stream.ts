import path from 'node:path';
import type { PartitionBatch } from './batch.ts';
import { BUCKET_FILE, bucketDir, CATALOG_FILE } from './buckets.ts';
import { readColumnar } from './columnar.ts';
import { num, openDuck, queryRows } from './duckdb.ts';
import { readMeta } from './meta.ts';
import { ident, literal } from './sql.ts';

export interface StreamOptions {
  /** Most partitions per batch. */
  batchSize: number;
  /** Keeps only the partitions whose model name passes (e.g. a shard). */
  filter?: (name: string) => boolean;
  /** Reads only these hash buckets. */
  buckets?: readonly number[];
}

/** One partition's rows inside a bucket that was read into memory. */
interface Segment {
  key: string[];
  start: number;
  end: number;
  time: Int32Array;
  columns: Float64Array[];
}

/** Copies segments into one batch's own buffers, so each batch can be transferred to a worker on its own. */
function assemble(segments: Segment[], featureCount: number): PartitionBatch {
  const total = segments.reduce((n, s) => n + s.end - s.start, 0);
  const offsets = new Int32Array(segments.length + 1);
  const time = new Int32Array(total);
  const target = new Float64Array(total);
  const features = Array.from({ length: featureCount }, () => new Float64Array(total));
  let at = 0;
  segments.forEach((s, i) => {
    offsets[i] = at;
    time.set(s.time.subarray(s.start, s.end), at);
    target.set(s.columns[0]!.subarray(s.start, s.end), at);
    for (let f = 0; f < featureCount; f++) features[f]!.set(s.columns[f + 1]!.subarray(s.start, s.end), at);
    at += s.end - s.start;
  });
  offsets[segments.length] = at;
  return { keys: segments.map((s) => s.key), offsets, time, target, features };
}

interface BucketPlan {
  bucket: number;
  /** Every valid partition of the bucket in file order, with whether the caller wants it. */
  partitions: { key: string[]; rows: number; wanted: boolean }[];
}

type Connection = Awaited<ReturnType<typeof openDuck>>['connection'];

/** The buckets holding valid partitions, ascending (the requested ones only, when given). */
async function bucketsOf(
  connection: Connection,
  preparedDir: string,
  only: readonly number[] | undefined,
): Promise<number[]> {
  const catalog = literal(path.join(preparedDir, CATALOG_FILE));
  const rows = await queryRows(
    connection,
    `SELECT DISTINCT bucket FROM read_parquet(${catalog}) WHERE status = 'ok' ORDER BY bucket`,
  );
  const wanted = only ? new Set(only) : undefined;
  return rows.map((r) => num(r.bucket)).filter((b) => !wanted || wanted.has(b));
}

/**
 * One bucket's valid partitions in the order their rows sit in its file: the writer sorts rows by key then
 * time, and DuckDB orders the catalog's key lists with the same collation. Planned a bucket at a time, so the
 * plan in memory is one bucket's, whatever the number of partitions.
 */
async function planBucket(
  connection: Connection,
  preparedDir: string,
  bucket: number,
  filter: ((name: string) => boolean) | undefined,
): Promise<BucketPlan> {
  const catalog = literal(path.join(preparedDir, CATALOG_FILE));
  const rows = await queryRows(
    connection,
    `SELECT name, key, rows FROM read_parquet(${catalog}) WHERE status = 'ok' AND bucket = ${Number(bucket)} ORDER BY key`,
  );
  return {
    bucket,
    partitions: rows.map((r) => ({
      key: (r.key as unknown[]).map(String),
      rows: num(r.rows),
      wanted: !filter || filter(String(r.name)),
    })),
  };
}

/** The valid partitions of a prepared folder (of some buckets) whose model name passes `filter`, counted. */
export async function countValid(
  preparedDir: string,
  filter?: (name: string) => boolean,
  buckets?: readonly number[],
): Promise<number> {
  const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
  try {
    if (!filter) {
      const where = buckets ? ` AND bucket IN (${buckets.map(Number).join(', ') || 'NULL'})` : '';
      const catalog = literal(path.join(preparedDir, CATALOG_FILE));
      const [row] = await queryRows(
        duck.connection,
        `SELECT count(*) AS n FROM read_parquet(${catalog}) WHERE status = 'ok'${where}`,
      );
      return num(row?.n);
    }
    let count = 0;
    for (const bucket of await bucketsOf(duck.connection, preparedDir, buckets)) {
      const plan = await planBucket(duck.connection, preparedDir, bucket, filter);
      for (const p of plan.partitions) if (p.wanted) count++;
    }
    return count;
  } finally {
    duck.close();
  }
}

/**
 * The valid partitions of a prepared folder as columnar batches of up to `batchSize` partitions. Memory stays
 * bounded: one bucket file is read at a time (a few hundred thousand rows), straight into typed arrays, in
 * file order (DuckDB keeps a plain scan's order), which is key then time order.
 * Within a batch, partitions follow bucket order, then key order; times ascend within each partition.
 */
export async function* streamPartitions(
  preparedDir: string,
  options: StreamOptions,
): AsyncGenerator<PartitionBatch> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const meta = await readMeta(preparedDir);
  const columns = [meta.target, ...meta.features].map((c) => `CAST(${ident(c)} AS DOUBLE)`).join(', ');
  const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
  let pending: Segment[] = [];
  try {
    for (const bucket of await bucketsOf(duck.connection, preparedDir, options.buckets)) {
      const plan = await planBucket(duck.connection, preparedDir, bucket, options.filter);
      if (!plan.partitions.some((p) => p.wanted)) continue;
      const file = path.join(preparedDir, bucketDir(plan.bucket), BUCKET_FILE);
      const rows = plan.partitions.reduce((n, p) => n + p.rows, 0);
      const read = await readColumnar(
        duck.connection,
        `SELECT CAST(${ident(meta.time)} - DATE '1970-01-01' AS INTEGER), ${columns} FROM read_parquet(${literal(file)})`,
        rows,
        1 + meta.features.length,
      ).catch((error: Error) => {
        throw new Error(`prepared data in ${preparedDir} is inconsistent: ${file}: ${error.message}`);
      });
      let at = 0;
      for (const p of plan.partitions) {
        if (p.wanted) {
          pending.push({ key: p.key, start: at, end: at + p.rows, time: read.ints, columns: read.doubles });
          if (pending.length === options.batchSize) {
            yield assemble(pending, meta.features.length);
            pending = [];
          }
        }
        at += p.rows;
      }
    }
    if (pending.length > 0) yield assemble(pending, meta.features.length);
  } finally {
    duck.close();
  }
}
