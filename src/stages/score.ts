import { EXIT, StageError } from '../core/errors.ts';
import { newRunId } from '../engine/run.ts';
import type { ScoreOutcome, StageContext } from './ports.ts';

export interface ScoreStageOptions {
  /** Default: a new id. */
  runId?: string;
  /** Planned covariates for the horizon (CSV or Parquet: partition, time, features). */
  futurePath?: string;
  workers?: number;
}

/**
 * Forecasts the horizon for every partition with its prod model into the predictions table, on the context's
 * compute; fails the run (exit 1) when more than `engine.maxFailedShare` of the partitions could not be scored.
 */
export async function scoreStage(
  context: StageContext,
  options: ScoreStageOptions = {},
): Promise<ScoreOutcome> {
  const outcome = await context.compute.score(context, {
    runId: options.runId ?? newRunId(),
    ...(options.futurePath ? { futurePath: options.futurePath } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
  });
  const result = outcome.result;
  if (!result) {
    context.output(`scored on ${outcome.where}; predictions are in ${context.lake.location}/predictions`);
    return outcome;
  }
  const s = result.byStatus;
  const { layout } = context.lake;
  context.output(
    `scored ${result.partitions} partitions: ${s.ok} ok, ${s['no-model']} without a prod model, ${s.failed} failed` +
      (result.usedFallback > 0 ? ` (${result.usedFallback} without planned covariates: fallback used)` : ''),
  );
  context.output(`predictions: ${result.parquetPath}`);
  context.output(`warehouse:   ${layout.warehouse} (table predictions, view latest_predictions)`);
  if (s.failed > 0 && s.failed / Math.max(1, result.partitions) > context.config.engine.maxFailedShare) {
    throw new StageError(`${s.failed} partitions failed to score; see the message column`, EXIT.runFailed);
  }
  return outcome;
}
