import { chmodSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/**
 * What the runtime image gives a job's processes, made from this checkout: `mm` on PATH and the app in
 * MM_APP_ROOT. Also a copy of pipelines/ to submit from, so nothing is written into the repository.
 */
export function twinImage(): { env: NodeJS.ProcessEnv; pipelinesDir: string } {
  const bin = mkdtempSync(path.join(tmpdir(), 'mm-bin-'));
  writeFileSync(path.join(bin, 'mm'), `#!/bin/sh\nexec "${process.execPath}" "${repoRoot}/bin/mm.js" "$@"\n`);
  chmodSync(path.join(bin, 'mm'), 0o755);
  const pipelinesDir = path.join(mkdtempSync(path.join(tmpdir(), 'mm-pipelines-')), 'pipelines');
  cpSync(path.join(repoRoot, 'pipelines'), pipelinesDir, { recursive: true });
  return {
    env: { PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH}`, MM_APP_ROOT: repoRoot },
    pipelinesDir,
  };
}
