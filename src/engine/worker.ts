import path from 'node:path';
import type { ForecastConfig } from '../config/schema.ts';
import { modelName } from '../core/model-name.ts';
import { type PartitionBatch, seriesOf } from '../data/batch.ts';
import type { Lineage } from '../models/artifact.ts';
import type { SeriesContext } from '../models/types.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import type { PartitionRecord } from './manifest.ts';
import { trainPartition } from './train-partition.ts';

/** What the main thread sends a worker: one batch of partitions and how to train them. */
export interface TrainTask {
  batch: PartitionBatch;
  context: SeriesContext;
  forecast: ForecastConfig;
  partitionBy: string[];
  lineage: Lineage;
  runDir: string;
}

export const ARTIFACT_FOLDER = 'models';

/**
 * Trains every partition of a batch and writes each `ok` artifact atomically before returning its record, so a
 * journal line never points at a missing artifact. One partition's failure is its own record, never the batch's.
 */
export default async function trainBatch(task: TrainTask): Promise<PartitionRecord[]> {
  const records: PartitionRecord[] = [];
  for (const series of seriesOf(task.batch)) {
    const started = performance.now();
    let outcome: ReturnType<typeof trainPartition>;
    try {
      failpoint(series.key);
      outcome = trainPartition(series, {
        context: task.context,
        forecast: task.forecast,
        partitionBy: task.partitionBy,
        lineage: task.lineage,
      });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      outcome = {
        status: 'failed',
        error: { class: e.name, message: e.message },
        observations: series.y.length,
      };
    }
    const base = { key: series.key, observations: outcome.observations };
    if (outcome.status === 'ok') {
      const artifact = outcome.artifact;
      const relative = `${ARTIFACT_FOLDER}/${artifact.name}.json`;
      // Durability comes from the journal's fsync per batch; a per-file fsync would dominate at 10,000 models.
      await writeFileAtomic(path.join(task.runDir, relative), JSON.stringify(artifact), { durable: false });
      const metrics = Object.fromEntries(
        Object.entries(artifact.holdout.candidates).map(([kind, c]) => [kind, c.metrics]),
      );
      records.push({
        ...base,
        name: artifact.name,
        status: 'ok',
        chosen: artifact.chosen,
        baseline: artifact.baseline,
        metrics,
        artifact: relative,
        durationMs: Math.round(performance.now() - started),
      });
    } else {
      records.push({
        ...base,
        name: modelName(series.key),
        status: outcome.status,
        ...(outcome.status === 'failed' ? { error: outcome.error } : { reason: outcome.reason }),
        durationMs: Math.round(performance.now() - started),
      });
    }
  }
  return records;
}

/**
 * Test hook for failure-isolation tests: MM_FAILPOINT='throw:<model name>' makes that partition throw, and
 * 'exit:<model name>' kills the worker thread while it trains that partition. Unset in production.
 */
function failpoint(key: string[]): void {
  const spec = process.env.MM_FAILPOINT;
  if (!spec) return;
  const [action, name] = spec.split(':');
  if (name !== modelName(key)) return;
  if (action === 'throw') throw new Error(`failpoint: ${name}`);
  if (action === 'exit') process.exit(70);
}
