import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { RunManifest } from './manifest.ts';
import { mergeRun } from './merge-run.ts';
import { RunError } from './run.ts';

const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

export interface ShardProcessesOptions {
  configPath: string;
  env: string;
  runId: string;
  runsDir: string;
  count: number;
  /** Worker threads per process. */
  workersEach: number;
  resume?: boolean;
  /** Working folder of the processes (where `environments/` is found); default: this process's. */
  cwd?: string;
}

/**
 * Runs one run as N engine processes on this machine, each `mm train --shard i/N` over the same lake, then
 * merges their manifests: the same logic N compute-cluster nodes run, provable without a cluster.
 */
export async function trainInShardProcesses(options: ShardProcessesOptions): Promise<RunManifest> {
  const children = Array.from({ length: options.count }, (_, index) =>
    execa(
      process.execPath,
      [
        CLI,
        'train',
        '--config',
        options.configPath,
        '--env',
        options.env,
        '--run',
        options.runId,
        '--shard',
        `${index}/${options.count}`,
        '--workers',
        String(options.workersEach),
        '--no-register',
        ...(options.resume ? ['--resume'] : []),
      ],
      { reject: false, stdout: 'pipe', stderr: 'inherit', ...(options.cwd ? { cwd: options.cwd } : {}) },
    ),
  );
  const results = await Promise.all(children);
  const failed = results
    .map((r, index) => ({ r, index }))
    .filter(({ r }) => r.exitCode !== 0 && r.exitCode !== 1);
  if (failed.length > 0) {
    const list = failed.map(
      ({ r, index }) => `shard ${index}/${options.count} exited with ${r.exitCode ?? r.signal}`,
    );
    throw new RunError(`${list.join('; ')}; re-run with --resume to finish the run`);
  }
  return mergeRun(options.runsDir, options.runId, options.count);
}
