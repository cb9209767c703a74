import type { PipelineService } from '../compute/aml-parallel.ts';
import {
  AmlParallelCompute,
  azureMlPipelines,
  type PipelineServiceFor,
} from '../compute/aml-parallel-compute.ts';
import { databricksCompute } from '../compute/databricks/compute.ts';
import { LocalCompute } from '../compute/local.ts';
import { ShardProcessesCompute } from '../compute/shards.ts';
import { synapseSparkCompute } from '../compute/synapse-spark/compute.ts';
import type { COMPUTE_ENGINES, Config } from '../config/schema.ts';
import { StageError } from '../core/errors.ts';
import { AdlsLakeSession } from '../lake/adls-session.ts';
import { LocalLakeSession } from '../lake/local-session.ts';
import { blobStoreFor } from '../storage/factory.ts';
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

/**
 * The one place that decides where a stage computes. A cluster or Spark engine is used when the lake is in Azure
 * and the environment names one; inside that engine (a node, an executor) `MM_LAKE_ROOT` has turned the storage
 * local, so the stage computes its own part in-process.
 */
export function computeKindFor(config: Config, shards?: number): ComputeKind {
  if (config.storage.kind === 'azure' && config.compute !== undefined) return config.compute.engine;
  return shards !== undefined && shards > 1 ? 'shards' : 'local';
}

function computeFor(config: Config, options: StageContextOptions): Compute {
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
        const lake = options.blobStore ?? blobStoreFor(config);
        return new AmlParallelCompute(options.pipelines ?? azureMlPipelines(lake), lake, {
          ...options.pipelineOptions,
        });
      }
      case 'databricks':
        return databricksCompute(compute.databricks);
      case 'synapse-spark':
        return synapseSparkCompute(compute.synapseSpark);
    }
  }
  return options.shards !== undefined && options.shards > 1
    ? new ShardProcessesCompute(options.shards)
    : new LocalCompute();
}

/** The one place that decides how a stage sees the lake. */
function lakeFor(config: Config, options: StageContextOptions, log: (line: string) => void): LakeSession {
  const storage = config.storage;
  if (storage.kind === 'local') return new LocalLakeSession(storage.root);
  return new AdlsLakeSession(options.blobStore ?? blobStoreFor(config), storage.cacheRoot, log);
}

/** The other environment's lake a promotion reads candidates from (the dev lake, seen from prod). */
function candidatesFor(config: Config, log: (line: string) => void): LakeSession | undefined {
  const storage = config.storage;
  if (storage.kind !== 'azure' || !storage.candidates) return undefined;
  const store = blobStoreFor({ storage: { ...storage, ...storage.candidates, candidates: undefined } });
  return new AdlsLakeSession(store, storage.cacheRoot, log);
}

/** Everything a stage needs besides its own options, chosen from the environment config. */
export function stageContextFor(config: Config, given: StageContextOptions): StageContext {
  // One client of the ADLS lake, shared by the session and an engine that follows its runs there.
  const options =
    config.storage.kind === 'azure' && !given.blobStore
      ? { ...given, blobStore: blobStoreFor(config) }
      : given;
  const log = options.log ?? (() => {});
  const candidates = candidatesFor(config, log);
  return {
    config,
    source: options.source,
    lake: lakeFor(config, options, log),
    ...(candidates ? { candidates } : {}),
    compute: computeFor(config, options),
    progress: options.progress ?? silentProgress,
    log,
    output: options.output ?? (() => {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  };
}
