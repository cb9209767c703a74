import { writePack } from '../artifacts/pack.ts';
import type { ForecastConfig } from '../config/schema.ts';
import { modelName } from '../core/model-name.ts';
import { type PartitionBatch, seriesOf } from '../data/batch.ts';
import type { Lineage } from '../models/artifact.ts';
import type { SeriesContext } from '../models/types.ts';
import { describeEnvironmentError } from './environment-error.ts';
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

/** What a worker sends back: the batch's journal lines, ready to append, and their count by outcome. */
export interface TrainedBatch {
  /** One JSON record per partition, each ending in a newline. */
  journal: string;
  count: number;
  failed: number;
}

/**
 * Trains a batch (`trainRecords`) and serialises its records here, in the worker: the main thread appends the
 * text to the journal as it is, so it neither clones nested records across threads nor stringifies them.
 */
export default async function trainBatch(task: TrainTask): Promise<TrainedBatch> {
  const records = await trainRecords(task);
  let journal = '';
  let failed = 0;
  for (const record of records) {
    journal += `${JSON.stringify(record)}\n`;
    if (record.status === 'failed') failed++;
  }
  return { journal, count: records.length, failed };
}

/**
 * Trains every partition of a batch and writes the batch's `ok` artifacts as one pack (see `src/artifacts/pack.ts`)
 * before returning the records, so a journal line never points at a missing artifact. One partition's failure is
 * its own record, never the batch's. `durationMs` is high-resolution wall time: the partition's training and
 * serialisation plus its share of the pack write.
 */
export async function trainRecords(task: TrainTask): Promise<PartitionRecord[]> {
  const records: PartitionRecord[] = [];
  const documents: string[] = [];
  const packed: number[] = [];
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
      documents.push(JSON.stringify(artifact));
      packed.push(records.length);
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
        durationMs: performance.now() - started,
      });
    } else {
      records.push({
        ...base,
        name: modelName(series.key),
        status: outcome.status,
        ...(outcome.status === 'failed' ? { error: outcome.error } : { reason: outcome.reason }),
        durationMs: performance.now() - started,
      });
    }
  }
  const writing = performance.now();
  const refs = await writePack(task.runDir, documents).catch((error: unknown) => {
    // Only the message crosses back to the main thread: it carries the code and the folder.
    const described = describeEnvironmentError(error, "the batch's model pack", `${task.runDir}/packs`);
    throw described ? new Error(described) : error;
  });
  const share = documents.length > 0 ? (performance.now() - writing) / documents.length : 0;
  refs.forEach((ref, i) => {
    const record = records[packed[i]!]!;
    record.artifact = ref;
    record.durationMs += share;
  });
  for (const record of records) record.durationMs = Math.round(record.durationMs * 1000) / 1000;
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
