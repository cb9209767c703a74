import { existsSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ident, literal } from '../data/sql.ts';
import { shardLabel } from '../engine/run.ts';
import type { ScoredPartition } from '../scoring/score.ts';
import type { PredictionStatus } from '../scoring/types.ts';

/** Where a score request for these buckets writes its predictions (scoreRun with `buckets`). */
export function scoredBucketFile(outDir: string, runId: string, buckets: readonly number[]): string {
  return path.join(outDir, `run_id=${runId}`, `predictions${shardLabel(undefined, buckets)}.parquet`);
}

/**
 * The rows of a score request whose predictions file is already there, read back from it: a resubmitted score
 * pipeline (or a retried mini-batch whose process died after writing) answers a bucket it scored before without
 * scoring it again. The file is written atomically (temp file, then rename), so one that exists is complete.
 * Undefined when there is none.
 */
export async function scoredBucket(
  file: string,
  columns: { partitionBy: readonly string[]; time: string },
): Promise<ScoredPartition[] | undefined> {
  if (!existsSync(file)) return undefined;
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const keys = columns.partitionBy.map((c) => `CAST(first(${ident(c)}) AS VARCHAR)`).join(', ');
    const result = await connection.runAndReadAll(
      `SELECT model_name, [${keys}] AS key, first(status) AS status, first(model_version) AS model_version,
         first(model_kind) AS model_kind, count(${ident(columns.time)}) AS periods,
         bool_or(used_fallback) AS used_fallback, first(message) AS message
       FROM read_parquet(${literal(file)}) GROUP BY model_name ORDER BY model_name`,
    );
    return result.getRowObjectsJS().map((row) => ({
      name: String(row.model_name),
      key: (row.key as unknown[]).map(String),
      status: String(row.status) as PredictionStatus,
      modelVersion: row.model_version === null ? null : Number(row.model_version),
      modelKind: row.model_kind === null ? null : String(row.model_kind),
      periods: Number(row.periods),
      usedFallback: row.used_fallback === true,
      ...(row.message === null ? {} : { message: String(row.message) }),
    }));
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}
