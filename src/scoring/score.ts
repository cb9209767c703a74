import os from 'node:os';
import { Piscina } from 'piscina';
import type { Config } from '../config/schema.ts';
import { listPartitions, readMeta } from '../data/index.ts';
import { newRunId } from '../engine/run.ts';
import { createProgress } from '../util/progress.ts';
import { type FutureCovariateTable, readFutureCovariates } from './future.ts';
import type { PredictionRow, PredictionStatus } from './types.ts';
import type { ScoreTask } from './worker.ts';
import { writePredictions } from './write.ts';

export interface ScoreOptions {
  config: Config;
  /** The prepared lake: its catalog lists every partition that must get a row. */
  preparedDir: string;
  predictionsDir: string;
  warehousePath: string;
  /** Optional table of planned covariates for the horizon (CSV or Parquet). */
  futurePath?: string;
  runId?: string;
  workers?: number;
  progress?: 'bar' | 'json' | 'silent';
}

export interface ScoreResult {
  runId: string;
  parquetPath: string;
  rows: number;
  partitions: number;
  byStatus: Record<PredictionStatus, number>;
  usedFallback: number;
}

/** Batch-scores every partition with its current prod model into the predictions table. */
export async function scoreRun(options: ScoreOptions): Promise<ScoreResult> {
  const { config } = options;
  const runId = options.runId ?? newRunId();
  const meta = await readMeta(options.preparedDir);
  const partitions = (await listPartitions(options.preparedDir)).map((p) => ({ name: p.name, key: p.key }));
  const future: FutureCovariateTable | undefined = options.futurePath
    ? await readFutureCovariates(options.futurePath, config.dataset)
    : undefined;

  const threads = options.workers ?? (config.engine.workers || os.availableParallelism());
  const pool = new Piscina<ScoreTask, PredictionRow[]>({
    filename: new URL('./worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  const progress = createProgress({
    label: `score ${runId}`,
    total: partitions.length,
    ...(options.progress ? { mode: options.progress } : {}),
  });
  const batchSize = Math.max(1, config.engine.batchSize * 4);
  const results: PredictionRow[][] = [];
  let done = 0;
  let failed = 0;
  try {
    const jobs: Promise<void>[] = [];
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
      };
      const index = results.length;
      results.push([]);
      jobs.push(
        pool.run(task).then((rows) => {
          results[index] = rows;
          done += batch.length;
          failed += rows.filter((r) => r.status === 'failed').length;
          progress.tick(done, failed);
        }),
      );
    }
    await Promise.all(jobs);
  } finally {
    progress.stop();
    await pool.destroy();
  }

  const rows = results.flat();
  const written = await writePredictions({
    rows,
    partitionBy: meta.partitionBy,
    timeColumn: meta.time,
    runId,
    predictionsDir: options.predictionsDir,
    warehousePath: options.warehousePath,
  });
  const byStatus: Record<PredictionStatus, number> = { ok: 0, 'no-model': 0, failed: 0 };
  const seen = new Map<string, PredictionStatus>();
  for (const r of rows) seen.set(r.modelName, r.status);
  for (const status of seen.values()) byStatus[status]++;
  return {
    runId,
    parquetPath: written.parquetPath,
    rows: written.rows,
    partitions: partitions.length,
    byStatus,
    usedFallback: new Set(rows.filter((r) => r.usedFallback).map((r) => r.modelName)).size,
  };
}
