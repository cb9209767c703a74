import { StageError } from '../core/errors.ts';
import { resolveRun } from '../engine/runs.ts';
import { decisionsPath, evaluateAndPromote } from '../promotion/evaluate.ts';
import { formatSummary } from '../promotion/summary.ts';
import { registryFor } from '../registry/for-config.ts';
import type { StageContext } from './ports.ts';

export interface EvaluateStageOptions {
  /** Default: the run whose manifest was written last (only where the lake can be listed locally). */
  runId?: string;
  dryRun?: boolean;
}

/**
 * Judges every partition of a trained run against its baseline and the prod champion, writes the decisions next
 * to the run, copies qualifying models to the prod registry, and publishes the decisions to the lake.
 */
export async function evaluateAndPromoteStage(context: StageContext, options: EvaluateStageOptions = {}) {
  const { lake } = context;
  // In prod the run was trained in dev: read it from the dev lake, publish the decisions to this one.
  const source = context.candidates ?? lake;
  if (source.remote) {
    if (!options.runId)
      throw new StageError(`with the lake in ${source.location}, name the run to promote: --run <id>`);
    await source.pull([`runs/${options.runId}`], { abortSignal: context.abortSignal });
  }
  const runDir = resolveRun(lake.layout.runs, options.runId);
  const file = await evaluateAndPromote({
    runDir,
    prod: registryFor(context.config, 'prod'),
    rules: context.config.promotion,
    dryRun: options.dryRun === true,
    progress: (total) => context.progress('evaluate-and-promote', total),
    ...(context.abortSignal ? { signal: context.abortSignal } : {}),
  });
  context.output(formatSummary(file, file.dryRun ? {} : { decisionsFile: decisionsPath(runDir) }).trimEnd());
  if (!file.dryRun) {
    await lake.push([`runs/${file.runId}`], { abortSignal: context.abortSignal });
    // Scoring in prod reads prepared/ from the prod lake: this stage, which alone reads dev, brings it over, so
    // no prod workload identity ever needs to read the dev lake.
    if (context.candidates) {
      await context.candidates.pull(['prepared'], { abortSignal: context.abortSignal });
      await lake.mirror('prepared', { abortSignal: context.abortSignal });
    }
  }
  return file;
}
