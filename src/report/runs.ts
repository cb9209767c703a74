import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { lakeLayout } from '../storage/layout.ts';
import { ReportInputError } from './schemas.ts';

/**
 * The run folder to report on: the named run, or the newest run that has a manifest (by the manifest's
 * modification time, so an interrupted run without one is never picked). Throws a clear message otherwise.
 */
export function resolveRunDir(root: string, runId?: string): string {
  const runs = lakeLayout(root).runs;
  if (runId !== undefined) {
    if (runId === '' || runId !== path.basename(runId) || runId === '.' || runId === '..') {
      throw new ReportInputError('--run', [`'${runId}' is not a run id (a folder name under ${runs})`]);
    }
    const dir = lakeLayout(root).run(runId);
    if (!existsSync(path.join(dir, 'manifest.json'))) {
      const known = listRuns(runs)
        .slice(0, 5)
        .map((r) => r.id);
      throw new ReportInputError(path.join(dir, 'manifest.json'), [
        `run '${runId}' has no manifest${known.length ? `; newest runs: ${known.join(', ')}` : ''}`,
      ]);
    }
    return dir;
  }
  const newest = listRuns(runs)[0];
  if (!newest) throw new ReportInputError(runs, ['no run with a manifest.json yet: run `mm train` first']);
  return newest.dir;
}

/** Runs with a manifest, newest first. */
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
