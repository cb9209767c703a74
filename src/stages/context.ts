import type { PipelineService } from '../compute/aml-parallel.ts';
import type { PipelineServiceFor } from '../compute/aml-parallel-compute.ts';
import type { COMPUTE_ENGINES, Config } from '../config/schema.ts';
import { StageError } from '../core/errors.ts';
import type { BlobStore } from '../storage/types.ts';
import { type ProgressFactory, silentProgress } from '../util/progress.ts';
import type { Compute, LakeSession, StageContext } from './ports.ts';

export interface StageContextOptions {
  /** The dataset config file and environment name the config was loaded from. */
  source: StageContext['source'];
  progress?: ProgressFactory;
  log?: (line: string) => void;
  output?: (line: string) => void;
  abortSignal?: AbortSignal;
  /** `--shards N`: N engine processes on this machine (an engine in Azure sizes itself from the environment). */
  shards?: number;
  /** Tests point these at stand-ins (the twin); production leaves them empty. */
  blobStore?: BlobStore;
  pipelines?: PipelineService | PipelineServiceFor;
  /** The Azure ML pipeline job's polling and resubmission; tests shorten them. */
  pipelineOptions?: { pipelinesDir?: string; pollIntervalMs?: number; resubmits?: number };
}

export type ComputeKind = 'local' | 'shards' | (typeof COMPUTE_ENGINES)[number];

/*
 * Each backend is imported when it is chosen: a local run never loads the Azure SDKs, execa or the Spark clients,
 * and a start-up pays only for the backend it uses (bench/results/train.md, "Start-up").
 */

/** The ADLS lake's client; the Azure SDKs load only for an Azure lake. */
async function blobStoreFor(config: Pick<Config, 'storage'>): Promise<BlobStore> {
  return (await import('../storage/factory.ts')).blobStoreFor(config);
}

/**
 * The one place that decides where a stage computes. A cluster or Spark engine is used when the lake is in Azure
 * and the environment names one; inside that engine (a node, an executor) `MM_LAKE_ROOT` has turned the storage
 * local, so the stage computes its own part in-process.
 */
export function computeKindFor(config: Config, shards?: number): ComputeKind {
  if (config.storage.kind === 'azure' && config.compute !== undefined) return config.compute.engine;
  return shards !== undefined && shards > 1 ? 'shards' : 'local';
}

async function computeFor(config: Config, options: StageContextOptions): Promise<Compute> {
  const compute = config.compute;
  if (config.storage.kind === 'azure' && compute) {
    if (options.shards !== undefined && options.shards > 1)
      throw new StageError(
        `--shards runs N engine processes on this machine; on ${compute.engine} the environment sizes the run ` +
          '(compute.instanceCount, compute.parallel.processesPerNode for Azure ML)',
      );
    switch (compute.engine) {
      case 'aml': {
        // Azure ML's many-models engine: a pipeline job whose parallel step takes one bucket per mini-batch.
        const { AmlParallelCompute, azureMlPipelines } = await import('../compute/aml-parallel-compute.ts');
        const lake = options.blobStore ?? (await blobStoreFor(config));
        return new AmlParallelCompute(options.pipelines ?? azureMlPipelines(lake), lake, {
          ...options.pipelineOptions,
        });
      }
      case 'databricks':
        return (await import('../compute/databricks/compute.ts')).databricksCompute(compute.databricks);
      case 'synapse-spark':
        return (await import('../compute/synapse-spark/compute.ts')).synapseSparkCompute(
          compute.synapseSpark,
        );
    }
  }
  if (options.shards !== undefined && options.shards > 1) {
    const { ShardProcessesCompute } = await import('../compute/shards.ts');
    return new ShardProcessesCompute(options.shards);
  }
  return new (await import('../compute/local.ts')).LocalCompute();
}

/** The one place that decides how a stage sees the lake. */
async function lakeFor(
  config: Config,
  options: StageContextOptions,
  log: (line: string) => void,
): Promise<LakeSession> {
  const storage = config.storage;
  if (storage.kind === 'local')
    return new (await import('../lake/local-session.ts')).LocalLakeSession(storage.root);
  const { AdlsLakeSession } = await import('../lake/adls-session.ts');
  return new AdlsLakeSession(options.blobStore ?? (await blobStoreFor(config)), storage.cacheRoot, log);
}

/** The other environment's lake a promotion reads candidates from (the dev lake, seen from prod). */
async function candidatesFor(config: Config, log: (line: string) => void): Promise<LakeSession | undefined> {
  const storage = config.storage;
  if (storage.kind !== 'azure' || !storage.candidates) return undefined;
  const store = await blobStoreFor({ storage: { ...storage, ...storage.candidates, candidates: undefined } });
  const { AdlsLakeSession } = await import('../lake/adls-session.ts');
  return new AdlsLakeSession(store, storage.cacheRoot, log);
}

/** Everything a stage needs besides its own options, chosen from the environment config. */
export async function stageContextFor(config: Config, given: StageContextOptions): Promise<StageContext> {
  // One client of the ADLS lake, shared by the session and an engine that follows its runs there.
  const options =
    config.storage.kind === 'azure' && !given.blobStore
      ? { ...given, blobStore: await blobStoreFor(config) }
      : given;
  const log = options.log ?? (() => {});
  const candidates = await candidatesFor(config, log);
  return {
    config,
    source: options.source,
    lake: await lakeFor(config, options, log),
    ...(candidates ? { candidates } : {}),
    compute: await computeFor(config, options),
    progress: options.progress ?? silentProgress,
    log,
    output: options.output ?? (() => {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  };
}
