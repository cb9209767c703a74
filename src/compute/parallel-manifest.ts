import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeZodIssues } from '../config/errors.ts';
import { trainRowSchema } from '../contracts/engine-rows.ts';
import { bucketDir, listPartitions, readMeta } from '../data/index.ts';
import type { PartitionRecord, RunManifest } from '../engine/manifest.ts';
import { sortRecords, totalsOf } from '../engine/merge.ts';
import { RunError } from '../engine/run.ts';
import { codeVersion } from '../util/code-version.ts';

export interface ParallelManifestOptions {
  /** The parallel step's `append_row_to` file: one JSON line per returned element (see pipelines/parallel/mm_entry.py). */
  rowsFile: string;
  preparedDir: string;
  runId: string;
  startedAt: string;
}

/**
 * The run manifest of a parallel-step training: every row the step returned, plus, for each partition of the
 * catalog no row speaks for, a failed record naming its bucket, whose mini-batch failed after every retry. So a
 * bucket that always fails is in the manifest, and a run can never silently lose partitions. A partition answered
 * twice, or one the catalog does not know, means the rows are not this run's: refused.
 */
export async function parallelManifest(options: ParallelManifestOptions): Promise<RunManifest> {
  const meta = await readMeta(options.preparedDir);
  const catalog = await listPartitions(options.preparedDir);
  const known = new Map(catalog.map((p) => [p.name, p]));
  const records = new Map<string, PartitionRecord>();
  const lines = createInterface({
    input: createReadStream(options.rowsFile),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new RunError(`${options.rowsFile}:${lineNo} is not a JSON row: ${line.slice(0, 80)}`);
    }
    const parsed = trainRowSchema.safeParse(raw);
    if (!parsed.success)
      throw new RunError(
        `${options.rowsFile}:${lineNo} is not a partition record: ${describeZodIssues(parsed.error).join('; ')}`,
      );
    const row = parsed.data;
    if (!('name' in row)) continue;
    if (!known.has(row.name))
      throw new RunError(
        `${options.rowsFile}:${lineNo}: partition ${row.name} is not in the prepared catalog`,
      );
    if (records.has(row.name))
      throw new RunError(`${options.rowsFile}:${lineNo}: partition ${row.name} was answered twice`);
    records.set(row.name, row as PartitionRecord);
  }
  for (const p of catalog) {
    if (records.has(p.name)) continue;
    // A bucket whose partitions prepare all rejected has no file, so no mini-batch: its partitions keep prepare's
    // verdict, as trainRun records them.
    if (p.status !== 'ok') {
      const reason = p.reason || `rejected by prepare (${p.status})`;
      const common = { name: p.name, key: p.key, observations: p.inputRows, durationMs: 0 };
      records.set(
        p.name,
        p.status === 'too_short'
          ? { ...common, status: 'skipped', reason }
          : {
              ...common,
              status: 'failed',
              error: { class: 'ValidationError', message: `${p.status}: ${reason}` },
            },
      );
      continue;
    }
    records.set(p.name, {
      name: p.name,
      key: p.key,
      status: 'failed',
      error: {
        class: 'MiniBatchFailed',
        message: `${bucketDir(p.bucket)} was not trained: its mini-batch failed on every try (see the parallel step's logs)`,
      },
      observations: p.inputRows,
      durationMs: 0,
    });
  }
  const partitions = sortRecords([...records.values()]);
  return {
    schemaVersion: 1,
    runId: options.runId,
    startedAt: options.startedAt,
    finishedAt: new Date().toISOString(),
    codeVersion: codeVersion(),
    dataFingerprint: meta.dataFingerprint,
    partitionBy: meta.partitionBy,
    shard: null,
    totals: totalsOf(partitions),
    partitions,
  };
}
