import type { ClusterStageOptions } from '../azure/cluster-run.ts';
import type { Config } from '../config/schema.ts';
import { EXIT, StageError } from '../core/errors.ts';

/**
 * A stage runs on the Azure ML cluster when its environment keeps the lake in Azure and names a cluster: the
 * pipeline agent only submits and follows the job. On a cluster node the lake is mounted, `configFrom` has turned
 * the storage local, and the same command trains or scores right there.
 */
export function runsOnCluster(config: Config): boolean {
  return config.storage.kind === 'azure' && config.compute !== undefined;
}

export interface ClusterRun {
  config: Config;
  configPath: string;
  env: string;
  runId: string;
}

/** How to reach Azure ML: production leaves it empty (ARM, DefaultAzureCredential); tests point it elsewhere. */
export type ClusterClient = Pick<
  ClusterStageOptions,
  'endpoint' | 'ca' | 'credential' | 'retryDelayMs' | 'pipelinesDir'
> & {
  pollIntervalMs?: number;
};

/** Submits one stage's job and follows it to the end; a job that does not complete fails the step. */
export async function runOnCluster(
  stage: 'train' | 'train-merge' | 'score',
  run: ClusterRun,
  extra: { shards?: number } = {},
  client: ClusterClient = {},
): Promise<void> {
  // The SDK costs a second to import: only steps that really go to Azure pay it.
  const { runStageOnCluster } = await import('../azure/cluster-run.ts');
  const { pollIntervalMs, ...connection } = client;
  const result = await runStageOnCluster({
    ...run,
    ...connection,
    stage,
    ...extra,
    wait: {
      ...(pollIntervalMs ? { pollIntervalMs } : {}),
      onStatus: (e) =>
        process.stderr.write(`${e.job}: ${e.status} after ${Math.round(e.elapsedSeconds)} s\n`),
    },
  });
  if (result.status !== 'Completed') {
    throw new StageError(
      `the ${stage} job ${result.job.name} ended ${result.status}; see it in Azure ML studio`,
      EXIT.runFailed,
    );
  }
}

/**
 * Training on N nodes: one command job with N instances, each node training its `--shard i/N`, then a merge job
 * that merges the N shard manifests and registers the models in the dev workspace, all under one run id.
 */
export async function trainOnCluster(
  run: ClusterRun,
  nodes: number,
  client: ClusterClient = {},
): Promise<void> {
  const cluster = {
    ...run,
    config: { ...run.config, compute: { ...run.config.compute!, instanceCount: nodes } },
  };
  await runOnCluster('train', cluster, {}, client);
  await runOnCluster('train-merge', cluster, { shards: nodes }, client);
}
