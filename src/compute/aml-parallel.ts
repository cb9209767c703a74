import path from 'node:path';
import type { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { ContractError, parseJsonText } from '../contracts/json-file.ts';
import { preparedMetaSchema } from '../contracts/prepared-meta.ts';
import { runManifestSchema } from '../contracts/run-manifest.ts';
import { EXIT, StageError } from '../core/errors.ts';
import type { RunManifest } from '../engine/manifest.ts';
import { lakePrefixOf, pipelineSpecUnderPrefix } from '../lake/dataset-lake.ts';
import type { BlobStore } from '../storage/types.ts';
import type { Progress } from '../util/progress.ts';
import { sleep as defaultSleep } from '../util/sleep.ts';
import { loadPipelineSpec, type PipelineJobSpec, withParallelKnobs } from './aml-parallel-spec.ts';

/**
 * Where a pipeline job runs: Azure ML through ARM (src/azure/pipeline-job.ts) or the twin, which runs the very
 * same YAML here (twin/aml/parallel/service.ts). Names are unique per workspace; a resubmission gets a new one.
 */
export interface PipelineService {
  /**
   * The environment version its steps run in, `azureml:<name>:<version>`: the runtime image of this code as the
   * service registered it (the YAMLs name none, so a submission is always pinned, never `@latest`).
   */
  readonly environment?: string;
  submit(job: {
    name: string;
    spec: PipelineJobSpec;
    specFile: string;
    inputs: Record<string, string>;
  }): Promise<void>;
  /**
   * The job's status, as Jobs_Get reports it: NotStarted, Queued, Running, Completed, Failed, Canceled, ...;
   * undefined when the workspace has no job of that name.
   */
  status(name: string): Promise<string | undefined>;
}

export interface AmlParallelRunOptions {
  config: Config;
  service: PipelineService;
  /** The lake the pipeline reads and writes (the mm_lake datastore), for progress and the final manifest. */
  lake: BlobStore;
  stage: 'train' | 'score';
  runId: string;
  /** Dataset config and environment as the nodes see them (relative to the image's /app). */
  source: { configPath: string; env: string };
  pipelinesDir?: string;
  /** Resubmissions of a failed pipeline under a new job name; done buckets are answered from their journals. */
  resubmits?: number;
  pollIntervalMs?: number;
  progress?: Progress;
  /** Made once the bucket count is known, when `progress` is not given. */
  progressFor?: (buckets: number) => Progress;
  log?: (line: string) => void;
  abortSignal?: AbortSignal;
  /** Injected for tests: waits between status reads. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AmlParallelOutcome {
  /** Job names submitted, in order: the last one is the one that completed. */
  jobs: string[];
  /** Buckets with a bucket manifest (train) when the run ended. */
  bucketsDone: number;
  buckets: number;
  /** The merged manifest (train), read from the lake. */
  manifest?: RunManifest;
}

const TERMINAL_BAD = new Set(['Failed', 'Canceled', 'NotResponding']);
/** Job names of one run's stage tried before giving up: `-r2` ... `-r20`. */
const MAX_ATTEMPTS = 20;

/** `mm-train-<run>`, then `mm-train-<run>-r2`, ...: [a-zA-Z0-9_-], at most 255 characters. */
export function pipelineJobName(stage: string, runId: string, attempt: number): string {
  const base = `mm-${stage}-${runId}${attempt > 1 ? `-r${attempt}` : ''}`;
  return base.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 255);
}

const decoder = new TextDecoder();

// The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
const readManifestBlob = async (lake: BlobStore, key: string) =>
  (await readJson(lake, key, runManifestSchema, 'run manifest')) as RunManifest | undefined;

/** A saved file of the lake through its contract (src/contracts), or undefined while it is not there. */
async function readJson<S extends z.ZodType>(
  lake: BlobStore,
  key: string,
  schema: S,
  what: string,
): Promise<z.output<S> | undefined> {
  const data = await lake.get(key);
  return data ? parseJsonText(`${lake.location}/${key}`, decoder.decode(data), schema, what) : undefined;
}

/**
 * Runs the train or score stage as the Azure ML pipeline job of pipelines/<stage>-pipeline.yml with the
 * environment's knobs (compute.parallel), follows it with progress (buckets done / total from the bucket manifests
 * appearing in the lake, failed partitions among them), and resubmits a failed pipeline under a new job name: the
 * same run id and output folder, so every bucket already trained is answered from its journal in milliseconds and
 * only the rest trains. A pipeline still failing after the resubmissions is a StageError with the run-failed code.
 */
export async function runAmlParallel(options: AmlParallelRunOptions): Promise<AmlParallelOutcome> {
  const { config, stage, runId, lake } = options;
  if (config.compute?.engine !== 'aml')
    throw new StageError(`compute: the ${stage} pipeline needs compute.cluster`, EXIT.badInput);
  const specFile = path.join(options.pipelinesDir ?? path.resolve('pipelines'), `${stage}-pipeline.yml`);
  // The YAML names the lake's folders (prepared/, runs/, predictions/); the job reads and writes this dataset's.
  const spec = withParallelKnobs(
    pipelineSpecUnderPrefix(loadPipelineSpec(specFile), lakePrefixOf(config.storage)),
    {
      ...config.compute.parallel,
      instanceCount: config.compute.instanceCount,
      cluster: config.compute.cluster,
      ...(options.service.environment ? { environment: options.service.environment } : {}),
      // The cluster carries several user-assigned identities: the steps act as the one the environment names.
      ...(config.compute.identityClientId
        ? { environmentVariables: { AZURE_CLIENT_ID: config.compute.identityClientId } }
        : {}),
    },
  );
  const meta = await readJson(lake, 'prepared/meta.json', preparedMetaSchema, 'prepared meta');
  if (!meta)
    throw new StageError(
      `the lake ${lake.location} has no prepared/meta.json: run mm prepare first`,
      EXIT.badInput,
    );
  const progress = options.progress ?? options.progressFor?.(meta.buckets);
  const inputs = { config: options.source.configPath, env: options.source.env, run_id: runId };
  const log = options.log ?? (() => {});
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.pollIntervalMs ?? 30_000;
  const jobs: string[] = [];
  const seen = new Map<string, number>();
  // Progress: a bucket is done when its bucket manifest (train) or predictions file (score) is in the lake.
  const done =
    stage === 'train' ? /\/manifest\.buckets-[\d-]+\.json$/ : /\/predictions\.buckets-[\d-]+\.parquet$/;
  const watch = async () => {
    const prefix = stage === 'train' ? `runs/${runId}/` : `predictions/run_id=${runId}/`;
    for await (const key of lake.list(prefix)) {
      if (!done.test(key) || seen.has(key)) continue;
      let part: RunManifest | undefined;
      try {
        part = stage === 'train' ? await readManifestBlob(lake, key) : undefined;
      } catch (error) {
        // A node may still be writing it (a mounted output shows a file before it is whole). This is only progress:
        // the next poll reads it again, and the run's manifest is checked strictly when the job has completed.
        if (error instanceof ContractError) continue;
        throw error;
      }
      seen.set(key, part?.totals.failed ?? 0);
    }
    const failed = [...seen.values()].reduce((a, b) => a + b, 0);
    progress?.tick(seen.size, failed);
  };
  const follow = async (name: string): Promise<string> => {
    let status = '';
    let last = '';
    while (status !== 'Completed' && !TERMINAL_BAD.has(status)) {
      await sleep(interval, options.abortSignal);
      status = (await options.service.status(name)) ?? 'Unknown';
      if (status !== last) log(`${name}: ${status}`);
      last = status;
      await watch();
    }
    return status;
  };

  // A rerun of the stage (the same run id, e.g. a pipeline rerun after the agent died) finds the jobs of earlier
  // tries: one still running or completed is followed, not submitted twice; failed ones are skipped by name.
  let attempt = 1;
  let submitted = 0;
  const allowed = 1 + (options.resubmits ?? 1);
  for (; attempt <= MAX_ATTEMPTS; attempt++) {
    const name = pipelineJobName(stage, runId, attempt);
    const status = await options.service.status(name);
    if (status === undefined) break;
    jobs.push(name);
    if (TERMINAL_BAD.has(status)) continue;
    log(`${name} exists (${status}): following it instead of submitting the run again`);
    if ((await follow(name)) === 'Completed') return finished();
    log(`${name} ended with ${seen.size} of ${meta.buckets} buckets done`);
  }
  for (; submitted < allowed && attempt <= MAX_ATTEMPTS; attempt++, submitted++) {
    const name = pipelineJobName(stage, runId, attempt);
    jobs.push(name);
    if (attempt > 1)
      log(`submitting run ${runId} as ${name}: buckets already done are answered from their journals`);
    await options.service.submit({ name, spec, specFile, inputs });
    const status = await follow(name);
    if (status === 'Completed') return finished();
    log(`${name} ended ${status} with ${seen.size} of ${meta.buckets} buckets done`);
  }

  async function finished(): Promise<AmlParallelOutcome> {
    progress?.stop();
    const manifest =
      stage === 'train' ? await readManifestBlob(lake, `runs/${runId}/manifest.json`) : undefined;
    return {
      jobs,
      bucketsDone: seen.size,
      buckets: meta!.buckets,
      ...(manifest ? { manifest } : {}),
    };
  }
  progress?.stop();
  throw new StageError(
    `the ${stage} pipeline of run ${runId} failed ${jobs.length} time(s) (${jobs.join(', ')}); ${seen.size} of ` +
      `${meta.buckets} buckets are done and stay done; see the jobs in Azure ML studio`,
    EXIT.runFailed,
  );
}
