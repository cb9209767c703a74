import type {
  Compute,
  ScoreOutcome,
  ScoreRequest,
  StageContext,
  TrainOutcome,
  TrainRequest,
} from '../stages/ports.ts';
import type { BlobStore } from '../storage/types.ts';
import { type PipelineService, runAmlParallel } from './aml-parallel.ts';
import { pullRunManifest } from './pulled-run.ts';

export class AmlParallelComputeError extends Error {
  override readonly name = 'ValidationError';
}

/** The pipeline service a stage submits to: Azure ML's workspace for that stage, or the twin's. */
export type PipelineServiceFor = (
  stage: 'train' | 'score',
  context: StageContext,
) => PipelineService | Promise<PipelineService>;

/** Production: the stage's Azure ML workspace through ARM (the SDK is imported only when a stage really goes there). */
export function azureMlPipelines(lake: BlobStore): PipelineServiceFor {
  return async (stage, context) => {
    const { amlPipelineService } = await import('../azure/pipeline-target.ts');
    return amlPipelineService({ config: context.config, stage, env: context.source.env, lake });
  };
}

/**
 * Train and score as Azure ML pipeline jobs with a parallel step (pipelines/<stage>-pipeline.yml): submit, follow
 * with progress (buckets done / total), resubmit a failed pipeline once under a new job name, then read the run the
 * merge step wrote (and registered) back from the lake. `service` is Azure ML through ARM (armPipelineService) or
 * the twin's (twin/aml/parallel/service.ts); `lake` is the blob store the pipeline's datastore points at.
 */
export class AmlParallelCompute implements Compute {
  readonly name = 'aml-parallel';
  readonly #service: PipelineServiceFor;
  readonly #lake: BlobStore;
  readonly #options: { pipelinesDir?: string; pollIntervalMs?: number; resubmits?: number };

  constructor(
    service: PipelineService | PipelineServiceFor,
    lake: BlobStore,
    options: { pipelinesDir?: string; pollIntervalMs?: number; resubmits?: number } = {},
  ) {
    this.#service = typeof service === 'function' ? service : () => service;
    this.#lake = lake;
    this.#options = options;
  }

  async train(context: StageContext, request: TrainRequest): Promise<TrainOutcome> {
    if (request.shard)
      throw new AmlParallelComputeError('--shard is not for aml-parallel: its mini-batches are the buckets');
    if (request.onlyFailed)
      throw new AmlParallelComputeError(
        '--only-failed is not for aml-parallel; re-run with --resume (done buckets are kept)',
      );
    const outcome = await this.#run(context, 'train', request.runId);
    return {
      ...(await pullRunManifest(context, request.runId)),
      registered: true,
      where: `${outcome.buckets} buckets on ${clusterOf(context)} (${outcome.jobs.at(-1)})`,
    };
  }

  async score(context: StageContext, request: ScoreRequest): Promise<ScoreOutcome> {
    if (request.futurePath)
      throw new AmlParallelComputeError('--future is not supported on aml-parallel yet');
    const outcome = await this.#run(context, 'score', request.runId);
    return {
      result: null,
      where: `${outcome.buckets} buckets on ${clusterOf(context)} (${outcome.jobs.at(-1)})`,
    };
  }

  async #run(context: StageContext, stage: 'train' | 'score', runId: string) {
    return runAmlParallel({
      config: context.config,
      service: await this.#service(stage, context),
      lake: this.#lake,
      stage,
      runId,
      source: context.source,
      progressFor: (buckets) => context.progress(`${stage} ${runId} (buckets)`, buckets),
      log: context.log,
      ...(context.abortSignal ? { abortSignal: context.abortSignal } : {}),
      ...this.#options,
    });
  }
}

function clusterOf(context: StageContext): string {
  const compute = context.config.compute;
  return compute?.engine === 'aml' ? `${compute.instanceCount} node(s) of ${compute.cluster}` : 'the cluster';
}
