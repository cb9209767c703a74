import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localArtifactStore } from '../artifacts/store.ts';
import type { Config } from '../config/schema.ts';
import { readJsonFile } from '../contracts/json-file.ts';
import { runManifestSchema } from '../contracts/run-manifest.ts';
import { assertRunId } from '../core/run-id.ts';
import { pinDir } from '../data/atomic-dir.ts';
import { type CatalogEntry, listPartitions, readMeta } from '../data/index.ts';
import { assertMetaMatches } from '../data/meta.ts';
import type { Lineage } from '../models/artifact.ts';
import { codeVersion } from '../util/code-version.ts';
import { type ProgressFactory, silentProgress } from '../util/progress.ts';
import { RunJournal } from './journal.ts';
import type { PartitionRecord, RunManifest } from './manifest.ts';
import { writeManifestFile } from './manifest-file.ts';
import { failedShareOf, sortRecords, totalsOf } from './merge.ts';
import { RunError } from './run-error.ts';
import { partitionsToTrain, pinLake, rejectedRecords } from './run-plan.ts';
import { inShard, type Shard } from './shard.ts';
import { trainInPool } from './train-pool.ts';

export interface TrainRunOptions {
  config: Config;
  /** The prepared lake folder written by `prepare`. */
  preparedDir: string;
  /** Folder holding one folder per run. */
  runsDir: string;
  /** Defaults to a new id; shards of one run must share it. */
  runId?: string;
  shard?: Shard;
  /**
   * Train only the partitions of these hash buckets (a mini-batch of the AML parallel job, a Spark task): the
   * journal and manifest get a `.buckets-…` label, so callers training different buckets of one run never share a file.
   */
  buckets?: readonly number[];
  /** The run's folder; default `<runsDir>/<runId>` (the engine host trains into a folder it is given). */
  runDir?: string;
  /** Continue a run: partitions already in its journal are not trained again. */
  resume?: boolean;
  /** Retrain only the partitions the run's journal records as failed. */
  onlyFailed?: boolean;
  /** Worker threads; default `config.engine.workers`, 0 = one per core. */
  workers?: number;
  /** Reports partitions done; silent by default. */
  progress?: ProgressFactory;
  /** Stops the run after the batches in flight, all of them journaled (a RunError naming --resume). */
  abortSignal?: AbortSignal;
}

export interface TrainRunResult {
  runId: string;
  runDir: string;
  manifestPath: string;
  manifest: RunManifest;
  /** Partitions trained by this invocation (the rest came from the journal). */
  trainedNow: number;
  /** failed / total, compared with `engine.maxFailedShare`. */
  failedShare: number;
  passed: boolean;
}

export { RunError } from './run-error.ts';

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

export function shardLabel(shard: Shard | undefined, buckets?: readonly number[]): string {
  if (buckets)
    return `.buckets-${[...buckets]
      .sort((a, b) => a - b)
      .map((b) => String(b).padStart(3, '0'))
      .join('-')}`;
  return shard && shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : '';
}

export function manifestFile(runDir: string, shard?: Shard, buckets?: readonly number[]): string {
  return path.join(runDir, `manifest${shardLabel(shard, buckets)}.json`);
}

/** Reads a run (or shard) manifest through its contract; a malformed one is named with every problem. */
export async function readManifest(file: string): Promise<RunManifest> {
  // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
  return (await readJsonFile(file, runManifestSchema, 'run manifest')) as RunManifest;
}

/**
 * Trains one model per partition: streams partitions from the prepared lake in batches of typed arrays into a
 * worker-thread pool, journals every finished batch, and writes the run manifest at the end.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  // Trains on the prepared lake's version current when the run starts: a `mm prepare` that switches the lake
  // meanwhile neither changes nor removes what this run reads, so one run never mixes two datasets.
  const pinned = await pinDir(options.preparedDir);
  try {
    return await trainPinned({ ...options, preparedDir: pinned.dir });
  } finally {
    await pinned.release();
  }
}

async function trainPinned(options: TrainRunOptions): Promise<TrainRunResult> {
  const { config, shard } = options;
  const runId = runIdOf(options);
  const runDir = options.runDir ?? path.join(options.runsDir, runId);
  const label = shardLabel(shard, options.buckets);
  const journal = new RunJournal(runDir, label);
  const continuing = options.resume === true || options.onlyFailed === true;
  checkJournal(journal, options, runId, runDir);

  const meta = await readMeta(options.preparedDir);
  assertMetaMatches(meta, config.dataset, options.preparedDir);
  await pinLake(runDir, label, meta.dataFingerprint, continuing);
  const buckets = options.buckets ? new Set(options.buckets) : undefined;
  const catalog = (await listPartitions(options.preparedDir)).filter(
    (p) => inShard(p.name, shard) && (!buckets || buckets.has(p.bucket)),
  );
  const previous = continuing ? await journal.read() : new Map<string, PartitionRecord>();
  const rejected = rejectedRecords(catalog);
  const valid = catalog.filter((p) => p.status === 'ok');
  const todo = await partitionsToTrain(
    valid,
    previous,
    options.onlyFailed === true,
    localArtifactStore(runDir),
  );

  const lineage: Lineage = {
    runId,
    codeVersion: codeVersion(),
    dataFingerprint: meta.dataFingerprint,
    trainedAt: new Date().toISOString(),
  };
  const startedAt = new Date().toISOString();
  const progress = (options.progress ?? silentProgress)(`train ${runId}${label}`, todo.size);
  let fresh = new Map<string, PartitionRecord>();
  if (todo.size > 0) {
    const threads = options.workers ?? (config.engine.workers || os.availableParallelism());
    fresh = await trainInPool({ ...options, meta, todo, lineage, runDir, journal, threads, progress });
  } else progress.stop();

  const manifest: RunManifest = {
    schemaVersion: 1,
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    codeVersion: lineage.codeVersion,
    dataFingerprint: meta.dataFingerprint,
    partitionBy: meta.partitionBy,
    shard: shard && shard.count > 1 ? shard : null,
    ...recordsOf(rejected, valid, fresh, previous),
  };
  const manifestPath = manifestFile(runDir, shard, options.buckets);
  await writeManifestFile(manifestPath, manifest);
  const failedShare = failedShareOf(manifest);
  return {
    runId,
    runDir,
    manifestPath,
    manifest,
    trainedNow: fresh.size,
    failedShare,
    passed: failedShare <= config.engine.maxFailedShare,
  };
}

/** Every partition's record: prepare's rejections, then this invocation's or the journal's; none may be missing. */
function recordsOf(
  rejected: readonly PartitionRecord[],
  valid: readonly CatalogEntry[],
  fresh: ReadonlyMap<string, PartitionRecord>,
  previous: ReadonlyMap<string, PartitionRecord>,
): Pick<RunManifest, 'totals' | 'partitions'> {
  const records = new Map<string, PartitionRecord>();
  for (const r of rejected) records.set(r.name, r);
  for (const p of valid) {
    const r = fresh.get(p.name) ?? previous.get(p.name);
    if (r) records.set(p.name, r);
  }
  const missing = valid.filter((p) => !records.has(p.name)).map((p) => p.name);
  if (missing.length > 0) {
    throw new RunError(
      `${missing.length} partition(s) produced no record (first: ${missing[0]}); re-run with --resume`,
    );
  }
  const partitions = sortRecords([...records.values()]);
  return { totals: totalsOf(partitions), partitions };
}

function runIdOf(options: TrainRunOptions): string {
  if ((options.resume || options.onlyFailed) && !options.runId) {
    throw new RunError('--resume and --only-failed need the run id (--run <id>) of the run to continue');
  }
  return options.runId === undefined ? newRunId() : assertRunId(options.runId);
}

/**
 * A new run must not overwrite one; --only-failed needs a journal to read failures from. --resume of a run that
 * died before its first batch (or never started) simply starts it: pipelines can always pass --resume on a
 * retried job.
 */
function checkJournal(journal: RunJournal, options: TrainRunOptions, runId: string, runDir: string): void {
  if (!options.resume && !options.onlyFailed && existsSync(journal.file)) {
    throw new RunError(`run ${runId} already exists in ${runDir}; pass --resume to continue it`);
  }
  if (options.onlyFailed && !existsSync(journal.file)) {
    throw new RunError(`run ${runId} has no journal in ${runDir}; there are no failures to retrain`);
  }
}
