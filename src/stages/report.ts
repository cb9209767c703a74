import { StageError } from '../core/errors.ts';
import { resolveRunDir } from '../report/runs.ts';
import { writeReport } from '../report/write.ts';
import type { StageContext } from './ports.ts';

export interface ReportStageOptions {
  /** Default: the newest run with a manifest (only where the lake can be listed locally). */
  runId?: string;
  /** Output file; default `<root>/reports/<runId>.html`. */
  out?: string;
  best?: number;
  worst?: number;
  /** Model names to chart first. */
  partitions?: readonly string[];
}

/** Writes the self-contained HTML report of a run and publishes it to the lake; returns its path. */
export async function reportStage(context: StageContext, options: ReportStageOptions = {}) {
  const { lake, config } = context;
  if (lake.remote) {
    if (!options.runId)
      throw new StageError(`with the lake in ${lake.location}, name the run to report on: --run <id>`);
    await lake.pull([`runs/${options.runId}`, 'prepared', 'predictions'], {
      abortSignal: context.abortSignal,
    });
  }
  const runDir = resolveRunDir(lake.root, options.runId);
  const result = await writeReport({
    runDir,
    root: lake.root,
    out: options.out,
    best: options.best ?? 3,
    worst: options.worst ?? 3,
    partitions: [...(options.partitions ?? [])],
    columns: { time: config.dataset.time, target: config.dataset.target },
  });
  for (const warning of result.warnings) context.log(`mm report: ${warning}`);
  context.output(result.path);
  await lake.push(['reports'], { abortSignal: context.abortSignal });
  return result;
}
