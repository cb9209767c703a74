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
import { countValid, listPartitions, readMeta } from '../data/index.ts';
import { assertMetaMatches } from '../data/meta.ts';
import type { Lineage } from '../models/artifact.ts';
import { codeVersion } from '../util/code-version.ts';
import { type ProgressFactory, silentProgress } from '../util/progress.ts';
import { RunJournal } from './journal.ts';
import type { RunManifest } from './manifest.ts';
import { buildManifest, type RunSummary } from './manifest-build.ts';
import { RunError } from './run-error.ts';
import { partitionsToTrain, pinLake } from './run-plan.ts';
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
  /** The manifest's header and totals; its records are in the file (`readManifest(manifestPath)`). */
  summary: RunSummary;
  /** Partitions trained by this invocation (the rest came from the journal). */
  trainedNow: number;
  /** failed / total, compared with `engine.maxFailedShare`. */
  failedShare: number;
  passed: boolean;
}

export type { RunSummary } from './manifest-build.ts';
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
  const plan = continuing ? await resumePlan(options, journal, runDir) : await freshPlan(options);

  const lineage: Lineage = {
    runId,
    codeVersion: codeVersion(),
    dataFingerprint: meta.dataFingerprint,
    trainedAt: new Date().toISOString(),
  };
  const startedAt = new Date().toISOString();
  const progress = (options.progress ?? silentProgress)(`train ${runId}${label}`, plan.count);
  let trainedNow = 0;
  if (plan.count > 0) {
    // Never more threads than batches: an idle worker would still start and load the models (~55 ms CPU each).
    const threads = Math.min(
      options.workers ?? (config.engine.workers || os.availableParallelism()),
      Math.ceil(plan.count / config.engine.batchSize),
    );
    trainedNow = await trainInPool({
      ...options,
      meta,
      wanted: plan.wanted,
      lineage,
      runDir,
      journal,
      threads,
      progress,
    });
  } else progress.stop();

  // Written from the catalog and the journal on disk: the main thread holds no record per partition.
  const manifestPath = manifestFile(runDir, shard, options.buckets);
  const summary = await buildManifest({
    preparedDir: options.preparedDir,
    journalFile: journal.file,
    manifestPath,
    workDir: runDir,
    header: {
      schemaVersion: 1,
      runId,
      startedAt,
      finishedAt: new Date().toISOString(),
      codeVersion: lineage.codeVersion,
      dataFingerprint: meta.dataFingerprint,
      partitionBy: meta.partitionBy,
      shard: shard && shard.count > 1 ? shard : null,
    },
    ...(shard ? { shard } : {}),
    ...(options.buckets ? { buckets: options.buckets } : {}),
  });
  const failedShare = summary.partitionCount === 0 ? 0 : summary.totals.failed / summary.partitionCount;
  return {
    runId,
    runDir,
    manifestPath,
    summary,
    trainedNow,
    failedShare,
    passed: failedShare <= config.engine.maxFailedShare,
  };
}

/** Which partitions to train, by model name, and how many (for progress). */
interface TrainPlan {
  wanted: (name: string) => boolean;
  count: number;
}

/** A new run trains every valid partition of its shard and buckets: counted, never listed in memory. */
async function freshPlan(options: TrainRunOptions): Promise<TrainPlan> {
  const { shard } = options;
  const wanted = shard && shard.count > 1 ? (name: string) => inShard(name, shard) : undefined;
  const count = await countValid(options.preparedDir, wanted, options.buckets);
  return { wanted: wanted ?? (() => true), count };
}

/**
 * A continued run trains what its journal lacks (or, with --only-failed, records as failed). This reads the
 * journal and the catalog's valid partitions into memory: resuming is the rare path, and its memory grows
 * with the run.
 */
async function resumePlan(options: TrainRunOptions, journal: RunJournal, runDir: string): Promise<TrainPlan> {
  const buckets = options.buckets ? new Set(options.buckets) : undefined;
  const valid = await listPartitions(
    options.preparedDir,
    (p) => p.status === 'ok' && inShard(p.name, options.shard) && (!buckets || buckets.has(p.bucket)),
  );
  const todo = await partitionsToTrain(
    valid,
    await journal.read(),
    options.onlyFailed === true,
    localArtifactStore(runDir),
  );
  return { wanted: (name) => todo.has(name), count: todo.size };
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

/**
 * `trainRun`, then its manifest read back from disk: for callers that need every record in memory (a bucket's
 * rows for the engine host, registration after `mm train`, tests). The run itself never holds them.
 */
export async function trainAndReadManifest(
  options: TrainRunOptions,
): Promise<TrainRunResult & { manifest: RunManifest }> {
  const result = await trainRun(options);
  return { ...result, manifest: await readManifest(result.manifestPath) };
}
