import { type RunNotFoundError, resolveRun } from '../engine/runs.ts';
import { lakeLayout } from '../storage/layout.ts';
import { ReportInputError } from './schemas.ts';

/** The run folder to report on: the named run, or the newest run that has a manifest. */
export function resolveRunDir(root: string, runId?: string): string {
  try {
    return resolveRun(lakeLayout(root).runs, runId);
  } catch (error) {
    const e = error as RunNotFoundError;
    throw new ReportInputError(runId === undefined ? '--run' : `--run ${runId}`, [e.message]);
  }
}
