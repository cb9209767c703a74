import os from 'node:os';
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

/**
 * The embedded default: a worker-thread pool in this process, over the session's local lake folder. The engine
 * and the scorer are loaded by the call that uses them (a stage that only prepares or promotes loads neither).
 */
export class LocalCompute implements Compute {
  readonly name = 'local';

  async train(context: StageContext, request: TrainRequest): Promise<TrainOutcome> {
    const { layout } = context.lake;
    const threads = threadsFor(context, request.workers);
    const { trainAndReadManifest } = await import('../engine/run.ts');
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
    const { scoreRun } = await import('../scoring/score.ts');
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
