import path from 'node:path';
import type { RunManifest } from './manifest.ts';
import { writeManifestFile } from './manifest-file.ts';
import { mergeManifests } from './merge.ts';
import { manifestFile, RunError, readManifest } from './run.ts';

/**
 * Merges the manifests that N shard processes wrote for one run into the run's `manifest.json`, the same file a
 * single process would have written. Every shard must have finished.
 */
export async function mergeRun(runsDir: string, runId: string, count: number): Promise<RunManifest> {
  const runDir = path.join(runsDir, runId);
  const shards: RunManifest[] = [];
  for (let index = 0; index < count; index++) {
    const file = manifestFile(runDir, { index, count });
    try {
      shards.push(await readManifest(file));
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'not found (has that shard finished?)'
          : String(error);
      throw new RunError(`shard ${index}/${count} of run ${runId}: ${file} ${reason}`);
    }
  }
  const merged = mergeManifests(shards);
  await writeManifestFile(manifestFile(runDir), merged);
  return merged;
}
