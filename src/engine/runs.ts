import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT } from '../core/errors.ts';

import { assertRunId, isRunId } from '../core/run-id.ts';

export { isRunId };

export class RunNotFoundError extends Error {
  override readonly name = 'ValidationError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
}

/** Runs with a finished manifest, newest manifest first. */
export function listRuns(runsDir: string): { id: string; dir: string; mtimeMs: number }[] {
  if (!existsSync(runsDir)) return [];
  const out: { id: string; dir: string; mtimeMs: number }[] = [];
  for (const entry of readdirSync(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(runsDir, entry.name);
    const manifest = path.join(dir, 'manifest.json');
    if (existsSync(manifest)) out.push({ id: entry.name, dir, mtimeMs: statSync(manifest).mtimeMs });
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : -1));
}

/**
 * The run folder a stage works on: the named run, or the newest run that has a manifest (an interrupted run
 * without one is never picked). The error says what to do.
 */
export function resolveRun(runsDir: string, runId?: string): string {
  if (runId !== undefined) {
    assertRunId(runId);
    const dir = path.join(runsDir, runId);
    if (!existsSync(path.join(dir, 'manifest.json'))) {
      const known = listRuns(runsDir)
        .slice(0, 5)
        .map((r) => r.id);
      throw new RunNotFoundError(
        `run '${runId}' has no manifest` +
          (known.length ? `; newest runs: ${known.join(', ')}` : '; train it first') +
          ` (looked for ${path.join(dir, 'manifest.json')})`,
      );
    }
    return dir;
  }
  const newest = listRuns(runsDir)[0];
  if (!newest)
    throw new RunNotFoundError(
      `no trained run under ${runsDir} (no runs/<id>/manifest.json); run 'mm train' first`,
    );
  return newest.dir;
}
