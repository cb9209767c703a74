import { Piscina } from 'piscina';
import { type Config, seasonLengthOf } from '../config/schema.ts';
import { modelName } from '../core/model-name.ts';
import { transferablesOf } from '../data/batch.ts';
import { type PreparedMeta, streamPartitions } from '../data/index.ts';
import type { Lineage } from '../models/artifact.ts';
import { shareCompileCache } from '../util/compile-cache.ts';
import type { Progress } from '../util/progress.ts';
import { describeEnvironmentError } from './environment-error.ts';
import type { RunJournal } from './journal.ts';
import type { PartitionRecord } from './manifest.ts';
import { RunError } from './run-error.ts';
import type { TrainedBatch, TrainTask } from './worker.ts';

export interface TrainPoolOptions {
  config: Config;
  meta: PreparedMeta;
  preparedDir: string;
  /** The partitions to train, by model name; the rest of the lake is streamed past. */
  wanted: (name: string) => boolean;
  /** Only these hash buckets are read (the others are not opened). */
  buckets?: readonly number[];
  lineage: Lineage;
  runDir: string;
  journal: RunJournal;
  threads: number;
  progress: Progress;
  /** Stops streaming batches: the ones in flight finish and are journaled, then the run stops for --resume. */
  abortSignal?: AbortSignal;
}

/**
 * Streams the partitions to train from the prepared lake in batches of typed arrays into a worker-thread pool and
 * journals every finished batch. The records go to the journal only (nothing per partition stays in this
 * thread); returns how many partitions were trained.
 */
export async function trainInPool(options: TrainPoolOptions): Promise<number> {
  const { config, meta, journal, threads, progress } = options;
  let done = 0;
  let failed = 0;
  shareCompileCache();
  const pool = new Piscina<TrainTask, TrainedBatch>({
    filename: new URL('./worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  try {
    for await (const batch of streamPartitions(options.preparedDir, {
      batchSize: config.engine.batchSize,
      filter: options.wanted,
      ...(options.buckets ? { buckets: options.buckets } : {}),
    })) {
      if (options.abortSignal?.aborted) break;
      const task: TrainTask = {
        batch,
        context: { frequency: meta.frequency, seasonLength: seasonLengthOf(config), features: meta.features },
        forecast: config.forecast,
        partitionBy: meta.partitionBy,
        lineage: options.lineage,
        runDir: options.runDir,
      };
      const keys = batch.keys;
      const job = pool
        .run(task, { transferList: transferablesOf(batch) })
        // A worker that dies (out of memory, a native crash) fails its batch's partitions, not the run; a full
        // disk or a failing device fails the run, so --resume trains those partitions once it is fixed.
        .catch((error: unknown) => {
          const described = describeEnvironmentError(error, 'the run', options.runDir);
          if (described) throw new RunError(`${described}; free the space or fix the device, then --resume`);
          return workerFailure(keys, error);
        })
        .then(async (batch) => {
          // After the run failed, batches still finishing are not journaled: --resume trains them again.
          if (stopped) return;
          await journal.appendLines(batch.journal);
          done += batch.count;
          failed += batch.failed;
          progress.tick(done, failed);
        })
        .finally(() => inFlight.delete(job));
      // Observed here so a failure between two awaits is not an unhandled rejection; the loop rethrows it.
      job.catch(() => {});
      inFlight.add(job);
      // Backpressure: DuckDB must not read the lake faster than the workers train it.
      if (inFlight.size >= threads * 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (options.abortSignal?.aborted) {
      throw new RunError(
        `interrupted: the ${done} partition(s) trained so far are journaled in ${options.runDir}; ` +
          'continue with --resume',
      );
    }
  } catch (error) {
    stopped = true;
    throw error;
  } finally {
    // Never destroy the pool under a running batch: terminating a worker thread mid-task (inside native code, or
    // with file writes in flight) can abort the whole process. The batches still running finish first.
    await Promise.allSettled(inFlight);
    progress.stop();
    await pool.destroy();
  }
  return done;
}

function workerFailure(keys: string[][], error: unknown): TrainedBatch {
  const e = error instanceof Error ? error : new Error(String(error));
  const records: PartitionRecord[] = keys.map((key) => ({
    name: modelName(key),
    key,
    status: 'failed',
    error: { class: 'WorkerError', message: `the worker training this batch died: ${e.message}` },
    observations: 0,
    durationMs: 0,
  }));
  const journal = records.map((r) => `${JSON.stringify(r)}\n`).join('');
  return { journal, count: records.length, failed: records.length };
}
