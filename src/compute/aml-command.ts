import type { ClusterStageOptions } from '../azure/cluster-run.ts';
import type { Config } from '../config/schema.ts';
import { EXIT, StageError } from '../core/errors.ts';
import type {
  Compute,
  ScoreOutcome,
  ScoreRequest,
  StageContext,
  TrainOutcome,
  TrainRequest,
} from '../stages/ports.ts';

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
  log: (line: string) => void = () => {},
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
      onStatus: (e) => log(`${e.job}: ${e.status} after ${Math.round(e.elapsedSeconds)} s`),
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
  log: (line: string) => void = () => {},
): Promise<void> {
  const cluster = {
    ...run,
    config: { ...run.config, compute: { ...run.config.compute!, instanceCount: nodes } },
  };
  await runOnCluster('train', cluster, {}, client, log);
  await runOnCluster('train-merge', cluster, { shards: nodes }, client, log);
}

/**
 * An Azure ML command job on the environment's cluster: the pipeline agent submits and follows it; each node runs
 * the same step on its mounted lake (`MM_LAKE_ROOT`), and a merge job registers the run. The manifest stays in the
 * lake, so the outcome carries none.
 */
export class AmlCommandCompute implements Compute {
  readonly name = 'aml';
  readonly #nodes: number | undefined;
  readonly #client: ClusterClient;

  constructor(options: { nodes?: number; client?: ClusterClient } = {}) {
    this.#nodes = options.nodes;
    this.#client = options.client ?? {};
  }

  async train(context: StageContext, request: TrainRequest): Promise<TrainOutcome> {
    const compute = context.config.compute;
    if (compute?.engine !== 'aml')
      throw new StageError('compute: the aml engine needs compute.cluster in the environment');
    const nodes = this.#nodes ?? compute.instanceCount;
    await trainOnCluster(this.#run(context, request.runId), nodes, this.#client, context.log);
    return {
      manifest: null,
      manifestPath: `${context.lake.location}/runs/${request.runId}/manifest.json`,
      registered: true,
      where: `${nodes} node(s) of ${compute.cluster}`,
    };
  }

  async score(context: StageContext, request: ScoreRequest): Promise<ScoreOutcome> {
    await runOnCluster('score', this.#run(context, request.runId), {}, this.#client, context.log);
    await refreshPredictionsView(context, request.runId);
    const compute = context.config.compute;
    return { result: null, where: `the ${compute?.engine === 'aml' ? compute.cluster : ''} cluster` };
  }

  #run(context: StageContext, runId: string): ClusterRun {
    return { config: context.config, ...context.source, runId };
  }
}

/** Exposes the lake's predictions through the Synapse serverless view Power BI reads, when one is configured. */
async function refreshPredictionsView(context: StageContext, runId: string): Promise<void> {
  const { config } = context;
  if (!config.synapse || config.storage.kind !== 'azure') return;
  const { refreshPredictionsView: refresh } = await import('../azure/synapse.ts');
  const { dfsUrl } = await import('../azure/synapse-sql.ts');
  await refresh({
    server: config.synapse.server,
    database: config.synapse.database,
    lakeUrl: dfsUrl(config.storage.accountUrl, config.storage.container),
    partitionBy: config.dataset.partitionBy,
    timeColumn: config.dataset.time,
    latestRunId: runId,
  });
  context.output(
    `Synapse view refreshed: ${config.synapse.server}/${config.synapse.database} dbo.latest_predictions`,
  );
}
