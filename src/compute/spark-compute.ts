import path from 'node:path';
import { lakePrefixOf } from '../lake/dataset-lake.ts';
import type {
  Compute,
  ScoreOutcome,
  ScoreRequest,
  StageContext,
  TrainOutcome,
  TrainRequest,
} from '../stages/ports.ts';
import { pullRunManifest } from './pulled-run.ts';
import type { SparkStageRequest } from './spark-job.ts';
import type { PollerOptions, SparkJobPoller } from './spark-poller.ts';

export class SparkComputeError extends Error {
  override readonly name = 'ValidationError';
}

/** What differs between Spark services: how a stage is submitted, and where the lake is on the cluster. */
export interface SparkService {
  /** `databricks`, `synapse-spark`: the config's `compute.engine`. */
  name: string;
  /** Where the work runs, for the summary line. */
  where: string;
  /** The lake's root as the cluster's machines see it (a Unity Catalog volume, a Synapse mount). */
  lakeOnCluster: string;
  begin(
    request: SparkStageRequest,
    poller: PollerOptions & { abortSignal?: AbortSignal },
  ): Promise<SparkJobPoller>;
  poller?: PollerOptions;
}

/**
 * Train and score on a Spark service: submit `pipelines/spark/mm_spark.py` for the stage, follow it with
 * progress on the stage's log, then read what it wrote into the lake. The job writes the run exactly where
 * `mm train` does (the driver finishes through `mm train --resume`), so the train stage then registers the models
 * as for any backend; a failed job becomes an error that names it, its state and where its logs are.
 */
export class SparkCompute implements Compute {
  readonly name: string;
  readonly #service: SparkService;

  constructor(service: SparkService) {
    this.name = service.name;
    this.#service = service;
  }

  async train(context: StageContext, request: TrainRequest): Promise<TrainOutcome> {
    if (request.shard) {
      throw new SparkComputeError(
        `--shard is not for ${this.name}: Spark splits the run into hash buckets itself`,
      );
    }
    if (request.onlyFailed) {
      throw new SparkComputeError(
        `--only-failed is not supported on ${this.name} yet; re-run with --resume (finished partitions are kept)`,
      );
    }
    await this.#run(context, { ...this.#stage(context, 'train', request.runId), noRegister: true });
    return {
      ...(await pullRunManifest(context, request.runId)),
      registered: false,
      where: this.#service.where,
    };
  }

  async score(context: StageContext, request: ScoreRequest): Promise<ScoreOutcome> {
    const stage = this.#stage(context, 'score', request.runId);
    if (request.futurePath) stage.futurePath = this.#onCluster(context, request.futurePath, '--future');
    await this.#run(context, stage);
    return { result: null, where: this.#service.where };
  }

  #stage(context: StageContext, stage: 'train' | 'score', runId: string): SparkStageRequest {
    const config = path.isAbsolute(context.source.configPath)
      ? path.relative(process.cwd(), context.source.configPath)
      : context.source.configPath;
    if (config.startsWith('..')) {
      throw new SparkComputeError(
        `the dataset config ${context.source.configPath} must be inside the project: the Spark job reads it from the app bundle`,
      );
    }
    const lakeFolder = lakePrefixOf(context.config.storage);
    return { stage, runId, config, env: context.source.env, ...(lakeFolder ? { lakeFolder } : {}) };
  }

  /** A file the agent names, as the cluster sees it: it must be in the lake. */
  #onCluster(context: StageContext, file: string, option: string): string {
    const relative = path.relative(context.lake.root, path.resolve(file));
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new SparkComputeError(
        `${option} ${file} is not in the lake (${context.lake.location}); on ${this.name} the cluster reads it from there`,
      );
    }
    const folder = lakePrefixOf(context.config.storage);
    return path.posix.join(this.#service.lakeOnCluster, folder, relative.split(path.sep).join('/'));
  }

  async #run(context: StageContext, stage: SparkStageRequest): Promise<void> {
    const signal = context.abortSignal;
    const poller = await this.#service.begin(stage, {
      ...this.#service.poller,
      ...(signal ? { abortSignal: signal } : {}),
    });
    const id = poller.getOperationState().id;
    context.log(`${this.name}: ${stage.stage} of run ${stage.runId} submitted as job ${id}`);
    poller.onProgress((state) => context.log(`${this.name}: job ${state.id} ${state.status}`));
    await poller.pollUntilDone(signal ? { abortSignal: signal } : {});
  }
}
