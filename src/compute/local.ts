import os from 'node:os';
import { trainAndReadManifest } from '../engine/run.ts';
import { scoreRun } from '../scoring/score.ts';
import type {
  Compute,
  ScoreOutcome,
  ScoreRequest,
  StageContext,
  TrainOutcome,
  TrainRequest,
} from '../stages/ports.ts';

function threadsFor(context: StageContext, workers: number | undefined): number {
  return workers ?? (context.config.engine.workers || os.availableParallelism());
}

/** The embedded default: a worker-thread pool in this process, over the session's local lake folder. */
export class LocalCompute implements Compute {
  readonly name = 'local';

  async train(context: StageContext, request: TrainRequest): Promise<TrainOutcome> {
    const { layout } = context.lake;
    const threads = threadsFor(context, request.workers);
    const result = await trainAndReadManifest({
      config: context.config,
      preparedDir: layout.prepared,
      runsDir: layout.runs,
      runId: request.runId,
      workers: threads,
      progress: context.progress,
      ...(request.shard ? { shard: request.shard } : {}),
      ...(request.resume ? { resume: true } : {}),
      ...(request.onlyFailed ? { onlyFailed: true } : {}),
      ...(context.abortSignal ? { abortSignal: context.abortSignal } : {}),
    });
    return {
      manifest: result.manifest,
      manifestPath: result.manifestPath,
      registered: false,
      where: `${threads} worker thread(s) on this machine`,
    };
  }

  async score(context: StageContext, request: ScoreRequest): Promise<ScoreOutcome> {
    const { layout } = context.lake;
    const threads = threadsFor(context, request.workers);
    const result = await scoreRun({
      config: context.config,
      preparedDir: layout.prepared,
      predictionsDir: layout.predictions,
      warehousePath: layout.warehouse,
      runId: request.runId,
      workers: threads,
      progress: context.progress,
      ...(request.futurePath ? { futurePath: request.futurePath } : {}),
      ...(context.abortSignal ? { abortSignal: context.abortSignal } : {}),
    });
    return { result, where: `${threads} worker thread(s) on this machine` };
  }
}
