import os from 'node:os';
import { Piscina } from 'piscina';
import type { Config } from '../config/schema.ts';
import { EXIT, StageError } from '../core/errors.ts';
import { assertRunId } from '../core/run-id.ts';
import { listPartitions, readMeta } from '../data/index.ts';
import { assertMetaMatches } from '../data/meta.ts';
import { newRunId, shardLabel } from '../engine/run.ts';
import { shareCompileCache } from '../util/compile-cache.ts';
import { type ProgressFactory, silentProgress } from '../util/progress.ts';
import { type FutureCovariateTable, readFutureCovariates } from './future.ts';
import type { PredictionRow, PredictionStatus } from './types.ts';
import type { ScoreTask } from './worker.ts';
import { writePredictions } from './write.ts';

export interface ScoreOptions {
  config: Config;
  /** The prepared lake: its catalog lists every partition that must get a row. */
  preparedDir: string;
  predictionsDir: string;
  /** The DuckDB warehouse to load; omitted on a compute node, where the Synapse view reads the Parquet files. */
  warehousePath?: string;
  /** Score only the partitions of these hash buckets; the file is `predictions.buckets-….parquet`. */
  buckets?: readonly number[];
  /** A local prod registry folder to score with instead of the config's prod registry. */
  modelsDir?: string;
  /** Optional table of planned covariates for the horizon (CSV or Parquet). */
  futurePath?: string;
  runId?: string;
  workers?: number;
  /** Reports partitions done; silent by default. */
  progress?: ProgressFactory;
  /** Stops scoring: queued batches never start, running ones are abandoned, and nothing is written. */
  abortSignal?: AbortSignal;
}

export interface ScoreResult {
  runId: string;
  parquetPath: string;
  rows: number;
  partitions: number;
  byStatus: Record<PredictionStatus, number>;
  usedFallback: number;
  /** One line per partition: what the engine host answers for a score request. */
  perPartition: ScoredPartition[];
}

export interface ScoredPartition {
  name: string;
  key: string[];
  status: PredictionStatus;
  modelVersion: number | null;
  modelKind: string | null;
  /** Forecast rows written (0 on a status-only row). */
  periods: number;
  usedFallback: boolean;
  message?: string;
}

/** Batch-scores every partition with its current prod model into the predictions table. */
export async function scoreRun(options: ScoreOptions): Promise<ScoreResult> {
  const { config, abortSignal } = options;
  abortSignal?.throwIfAborted();
  const runId = options.runId === undefined ? newRunId() : assertRunId(options.runId);
  const meta = await readMeta(options.preparedDir);
  assertMetaMatches(meta, config.dataset, options.preparedDir);
  const buckets = options.buckets ? new Set(options.buckets) : undefined;
  const partitions = (await listPartitions(options.preparedDir))
    .filter((p) => !buckets || buckets.has(p.bucket))
    .map((p) => ({ name: p.name, key: p.key }));
  const future: FutureCovariateTable | undefined = options.futurePath
    ? await readFutureCovariates(options.futurePath, config.dataset)
    : undefined;

  const batchSize = Math.max(1, config.engine.batchSize * 4);
  // Never more threads than batches: an idle worker would still start and load the models and the registry.
  const threads = Math.max(
    1,
    Math.min(
      options.workers ?? (config.engine.workers || os.availableParallelism()),
      Math.ceil(partitions.length / batchSize),
    ),
  );
  shareCompileCache();
  const pool = new Piscina<ScoreTask, PredictionRow[]>({
    filename: new URL('./worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  const progress = (options.progress ?? silentProgress)(`score ${runId}`, partitions.length);
  const results: PredictionRow[][] = [];
  let done = 0;
  let failed = 0;
  const jobs: Promise<void>[] = [];
  try {
    for (let start = 0; start < partitions.length; start += batchSize) {
      const batch = partitions.slice(start, start + batchSize);
      const task: ScoreTask = {
        config,
        runId,
        partitions: batch,
        future: future
          ? batch.flatMap((p) => {
              const dates = future.get(p.name);
              return dates ? [[p.name, [...dates.entries()]] as [string, [number, number[]][]]] : [];
            })
          : null,
        ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      };
      const index = results.length;
      results.push([]);
      jobs.push(
        pool.run(task, abortSignal ? { signal: abortSignal } : {}).then((rows) => {
          results[index] = rows;
          done += batch.length;
          failed += rows.filter((r) => r.status === 'failed').length;
          progress.tick(done, failed);
        }),
      );
    }
    // Every job settles before the pool goes: an aborted run rejects once, with the signal's reason.
    const settled = await Promise.allSettled(jobs);
    abortSignal?.throwIfAborted();
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  } finally {
    // Never destroy the pool under a running batch (see trainRun): the others finish first.
    await Promise.allSettled(jobs);
    progress.stop();
    await pool.destroy();
  }

  const rows = results.flat();
  const byStatus: Record<PredictionStatus, number> = { ok: 0, 'no-model': 0, failed: 0 };
  const seen = new Map<string, PredictionStatus>();
  for (const r of rows) seen.set(r.modelName, r.status);
  for (const status of seen.values()) byStatus[status]++;
  // A whole run that failed is not published: its rows go to predictions.failed/ to read the messages, never to
  // predictions/ or the warehouse. A part of a run (buckets) is judged when the parts are merged.
  const runFailed =
    !options.buckets && byStatus.failed / Math.max(1, partitions.length) > config.engine.maxFailedShare;
  const written = await writePredictions({
    rows,
    partitionBy: meta.partitionBy,
    timeColumn: meta.time,
    runId,
    predictionsDir: runFailed ? `${options.predictionsDir}.failed` : options.predictionsDir,
    ...(options.warehousePath && !runFailed ? { warehousePath: options.warehousePath } : {}),
    ...(options.buckets ? { label: shardLabel(undefined, options.buckets) } : {}),
    ...(abortSignal ? { abortSignal } : {}),
  });
  if (runFailed) {
    throw new StageError(
      `${byStatus.failed} of ${partitions.length} partitions failed to score, above engine.maxFailedShare ` +
        `${config.engine.maxFailedShare}; nothing was published to ${options.predictionsDir}. ` +
        `The rows, with a message for each failure, are in ${written.parquetPath}`,
      EXIT.runFailed,
    );
  }
  return {
    runId,
    parquetPath: written.parquetPath,
    rows: written.rows,
    partitions: partitions.length,
    byStatus,
    usedFallback: new Set(rows.filter((r) => r.usedFallback).map((r) => r.modelName)).size,
    perPartition: perPartition(rows),
  };
}

function perPartition(rows: readonly PredictionRow[]): ScoredPartition[] {
  const byName = new Map<string, ScoredPartition>();
  for (const r of rows) {
    const seen = byName.get(r.modelName);
    if (seen) {
      if (r.time !== null) seen.periods++;
      continue;
    }
    byName.set(r.modelName, {
      name: r.modelName,
      key: r.key,
      status: r.status,
      modelVersion: r.modelVersion,
      modelKind: r.modelKind,
      periods: r.time === null ? 0 : 1,
      usedFallback: r.usedFallback,
      ...(r.message === undefined ? {} : { message: r.message }),
    });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
