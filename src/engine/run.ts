import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { localArtifactStore } from '../artifacts/store.ts';
import { type Config, seasonLengthOf } from '../config/schema.ts';
import { readJsonFile } from '../contracts/json-file.ts';
import { runManifestSchema } from '../contracts/run-manifest.ts';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { modelName } from '../core/model-name.ts';
import { assertRunId } from '../core/run-id.ts';
import { pinDir } from '../data/atomic-dir.ts';
import { transferablesOf } from '../data/batch.ts';
import { listPartitions, readMeta, streamPartitions } from '../data/index.ts';
import { assertMetaMatches } from '../data/meta.ts';
import type { Lineage } from '../models/artifact.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { codeVersion } from '../util/code-version.ts';
import { shareCompileCache } from '../util/compile-cache.ts';
import { type ProgressFactory, silentProgress } from '../util/progress.ts';
import { describeEnvironmentError } from './environment-error.ts';
import { RunJournal } from './journal.ts';
import type { PartitionRecord, RunManifest } from './manifest.ts';
import { writeManifestFile } from './manifest-file.ts';
import { failedShareOf, sortRecords, totalsOf } from './merge.ts';
import { inShard, type Shard } from './shard.ts';
import type { TrainTask } from './worker.ts';

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

/** A run that cannot start or finish; arguments that name an impossible run are bad input (exit 2). */
export class RunError extends Error {
  override readonly name = 'RunError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT.internal) {
    super(message);
    this.exitCode = exitCode;
  }
}

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
/**
 * Records the prepared lake's fingerprint when a run (or shard) starts, and refuses to continue it on another
 * lake: a resumed run would otherwise hold models of two datasets under one fingerprint.
 */
async function pinLake(
  runDir: string,
  label: string,
  fingerprint: string,
  continuing: boolean,
): Promise<void> {
  const file = path.join(runDir, `lake${label}.json`);
  if (continuing && existsSync(file)) {
    const pinned = (JSON.parse(await readFile(file, 'utf8')) as { dataFingerprint?: string }).dataFingerprint;
    if (pinned !== fingerprint) {
      throw new RunError(
        `the prepared lake changed since this run started (data fingerprint ${pinned} then, ${fingerprint} now): ` +
          'resuming would mix models of two datasets in one run; start a new run instead',
        EXIT.badInput,
      );
    }
    return;
  }
  await writeJsonAtomic(file, { dataFingerprint: fingerprint });
}

/**
 * Trains on the prepared lake's version current when the run starts: a `mm prepare` that switches the lake
 * meanwhile neither changes nor removes what this run reads, so one run never mixes two datasets.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const pinned = await pinDir(options.preparedDir);
  try {
    return await trainPinned({ ...options, preparedDir: pinned.dir });
  } finally {
    await pinned.release();
  }
}

async function trainPinned(options: TrainRunOptions): Promise<TrainRunResult> {
  const { config, shard } = options;
  if ((options.resume || options.onlyFailed) && !options.runId) {
    throw new RunError('--resume and --only-failed need the run id (--run <id>) of the run to continue');
  }
  const runId = options.runId === undefined ? newRunId() : assertRunId(options.runId);
  const runDir = options.runDir ?? path.join(options.runsDir, runId);
  const label = shardLabel(shard, options.buckets);
  const journal = new RunJournal(runDir, label);
  const continuing = options.resume || options.onlyFailed;
  if (!continuing && existsSync(journal.file)) {
    throw new RunError(`run ${runId} already exists in ${runDir}; pass --resume to continue it`);
  }
  if (options.onlyFailed && !existsSync(journal.file)) {
    throw new RunError(`run ${runId} has no journal in ${runDir}; there are no failures to retrain`);
  }
  // --resume of a run that died before its first batch (or never started) simply starts it: pipelines can
  // always pass --resume on a retried job.

  const meta = await readMeta(options.preparedDir);
  assertMetaMatches(meta, config.dataset, options.preparedDir);
  await pinLake(runDir, label, meta.dataFingerprint, continuing === true);
  const buckets = options.buckets ? new Set(options.buckets) : undefined;
  const catalog = (await listPartitions(options.preparedDir)).filter(
    (p) => inShard(p.name, shard) && (!buckets || buckets.has(p.bucket)),
  );
  const previous = continuing ? await journal.read() : new Map<string, PartitionRecord>();

  // Partitions that prepare rejected keep prepare's reason, so every partition has a status: too-short series are
  // skipped (nothing is wrong with them, there is just not enough history yet); bad data fails.
  const rejected: PartitionRecord[] = catalog
    .filter((p) => p.status !== 'ok')
    .map((p) => {
      const reason = p.reason || `rejected by prepare (${p.status})`;
      const common = { name: p.name, key: p.key, observations: p.inputRows, durationMs: 0 };
      return p.status === 'too_short'
        ? { ...common, status: 'skipped', reason }
        : {
            ...common,
            status: 'failed',
            error: { class: 'ValidationError', message: `${p.status}: ${reason}` },
          };
    });
  const valid = catalog.filter((p) => p.status === 'ok');
  const artifacts = localArtifactStore(runDir);
  const todo = new Set<string>();
  for (const p of valid) {
    const done = previous.get(p.name);
    if (options.onlyFailed ? done?.status === 'failed' : !done) todo.add(p.name);
    // A journal line whose artifact did not survive (power loss before the pack reached the disk) trains again.
    else if (!options.onlyFailed && done?.status === 'ok' && !(await artifacts.has(done.artifact ?? '')))
      todo.add(p.name);
  }

  const lineage: Lineage = {
    runId,
    codeVersion: codeVersion(),
    dataFingerprint: meta.dataFingerprint,
    trainedAt: new Date().toISOString(),
  };
  const startedAt = new Date().toISOString();
  const threads = options.workers ?? (config.engine.workers || os.availableParallelism());
  const progress = (options.progress ?? silentProgress)(`train ${runId}${label}`, todo.size);
  const fresh = new Map<string, PartitionRecord>();
  let failed = 0;

  if (todo.size > 0) {
    shareCompileCache();
    const pool = new Piscina<TrainTask, PartitionRecord[]>({
      filename: new URL('./worker.ts', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
    });
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const batch of streamPartitions(options.preparedDir, {
        batchSize: config.engine.batchSize,
        filter: (name) => todo.has(name),
      })) {
        const task: TrainTask = {
          batch,
          context: {
            frequency: meta.frequency,
            seasonLength: seasonLengthOf(config),
            features: meta.features,
          },
          forecast: config.forecast,
          partitionBy: meta.partitionBy,
          lineage,
          runDir,
        };
        const keys = batch.keys;
        const job = pool
          .run(task, { transferList: transferablesOf(batch) })
          // A worker that dies (out of memory, a native crash) fails its batch's partitions, not the run; a full
          // disk or a failing device fails the run, so --resume trains those partitions once it is fixed.
          .catch((error: unknown) => {
            const described = describeEnvironmentError(error, 'the run', runDir);
            if (described)
              throw new RunError(`${described}; free the space or fix the device, then --resume`);
            return workerFailure(keys, error);
          })
          .then(async (records) => {
            await journal.append(records);
            for (const r of records) {
              fresh.set(r.name, r);
              if (r.status === 'failed') failed++;
            }
            progress.tick(fresh.size, failed);
          })
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
        // Backpressure: DuckDB must not read the lake faster than the workers train it.
        if (inFlight.size >= threads * 2) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      progress.stop();
      await pool.destroy();
    }
  } else {
    progress.stop();
  }

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
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    codeVersion: lineage.codeVersion,
    dataFingerprint: meta.dataFingerprint,
    partitionBy: meta.partitionBy,
    shard: shard && shard.count > 1 ? shard : null,
    totals: totalsOf(partitions),
    partitions,
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

function workerFailure(keys: string[][], error: unknown): PartitionRecord[] {
  const e = error instanceof Error ? error : new Error(String(error));
  return keys.map((key) => ({
    name: modelName(key),
    key,
    status: 'failed',
    error: { class: 'WorkerError', message: `the worker training this batch died: ${e.message}` },
    observations: 0,
    durationMs: 0,
  }));
}
