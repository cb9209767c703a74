import type { ClusterClient } from '../compute/aml-command.ts';
import { AmlCommandCompute } from '../compute/aml-command.ts';
import { databricksCompute } from '../compute/databricks/compute.ts';
import { LocalCompute } from '../compute/local.ts';
import { ShardProcessesCompute } from '../compute/shards.ts';
import { synapseSparkCompute } from '../compute/synapse-spark/compute.ts';
import type { COMPUTE_ENGINES, Config } from '../config/schema.ts';
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
  /** `--shards N`: N engine processes on this machine, or N cluster nodes where the engine is a cluster. */
  shards?: number;
  /** Tests point these at stand-ins; production leaves them empty. */
  blobStore?: BlobStore;
  cluster?: ClusterClient;
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
    switch (compute.engine) {
      case 'aml':
        return new AmlCommandCompute({
          ...(options.shards !== undefined ? { nodes: options.shards } : {}),
          ...(options.cluster ? { client: options.cluster } : {}),
        });
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

/** Everything a stage needs besides its own options, chosen from the environment config. */
export function stageContextFor(config: Config, options: StageContextOptions): StageContext {
  const log = options.log ?? (() => {});
  return {
    config,
    source: options.source,
    lake: lakeFor(config, options, log),
    compute: computeFor(config, options),
    progress: options.progress ?? silentProgress,
    log,
    output: options.output ?? (() => {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  };
}
