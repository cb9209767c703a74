import { EXIT, StageError } from '../core/errors.ts';
import { newRunId } from '../engine/run.ts';
import type { ScoreOutcome, StageContext } from './ports.ts';
import { refreshFromRows } from './score-refresh.ts';

export interface ScoreStageOptions {
  /** Default: a new id. */
  runId?: string;
  /** Planned covariates for the horizon (CSV or Parquet: partition, time, features). */
  futurePath?: string;
  workers?: number;
  /**
   * Instead of scoring: the rows file the Azure ML parallel step appended (append_row_to) for `runId`; sums it up
   * against the prepared catalog, loads the warehouse (local lake) and refreshes the Synapse view.
   */
  refreshFromRows?: string;
  /** The prepared lake the rows are checked against (default: the lake's own, when the lake is a local folder). */
  preparedDir?: string;
}

/**
 * Forecasts the horizon for every partition with its prod model into the predictions table, on the context's
 * compute; fails the run (exit 1) when more than `engine.maxFailedShare` of the partitions could not be scored.
 */
export async function scoreStage(
  context: StageContext,
  options: ScoreStageOptions = {},
): Promise<ScoreOutcome> {
  if (options.refreshFromRows !== undefined) return refreshed(context, options, options.refreshFromRows);
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

async function refreshed(
  context: StageContext,
  options: ScoreStageOptions,
  rowsFile: string,
): Promise<ScoreOutcome> {
  if (!options.runId) throw new StageError('--refresh-from-rows needs the scoring run id (--run <id>)');
  const preparedDir = options.preparedDir ?? (context.lake.remote ? undefined : context.lake.layout.prepared);
  if (!preparedDir)
    throw new StageError(
      `--refresh-from-rows needs --prepared <dir> (the prepared lake, mounted) when the lake is ${context.lake.location}`,
    );
  const summary = await refreshFromRows(context, { runId: options.runId, rowsFile, preparedDir });
  const s = summary.byStatus;
  context.output(
    `scored ${summary.partitions} partitions: ${s.ok} ok, ${s['no-model']} without a prod model, ${s.failed} failed` +
      (summary.unanswered.length > 0
        ? ` (${summary.unanswered.length} in mini-batches that failed on every try, e.g. ${summary.unanswered[0]})`
        : '') +
      (summary.usedFallback > 0
        ? ` (${summary.usedFallback} without planned covariates: fallback used)`
        : ''),
  );
  context.output(`predictions: ${context.lake.location}/predictions/run_id=${options.runId}`);
  if (s.failed > 0 && s.failed / Math.max(1, summary.partitions) > context.config.engine.maxFailedShare) {
    throw new StageError(`${s.failed} partitions failed to score; see the message column`, EXIT.runFailed);
  }
  return { result: null, where: 'the Azure ML parallel step' };
}
