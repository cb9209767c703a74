import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { RunManifest } from '../engine/manifest.ts';
import { mergeRun } from '../engine/merge-run.ts';
import { manifestFile, RunError } from '../engine/run.ts';
import type {
  Compute,
  ScoreOutcome,
  ScoreRequest,
  StageContext,
  TrainOutcome,
  TrainRequest,
} from '../stages/ports.ts';
import { LocalCompute } from './local.ts';

/** Each process runs the pipeline's own train step on its shard, exactly what one of N cluster nodes runs. */
const TRAIN_STEP = fileURLToPath(new URL('../../steps/train.ts', import.meta.url));

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
        TRAIN_STEP,
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

/**
 * `--shards N` on one machine: N engine processes, each training its hash shard of the lake, then one merge. Scoring
 * needs no split and runs in-process.
 */
export class ShardProcessesCompute implements Compute {
  readonly name = 'shards';
  readonly #count: number;
  readonly #local = new LocalCompute();

  constructor(count: number) {
    this.#count = count;
  }

  async train(context: StageContext, request: TrainRequest): Promise<TrainOutcome> {
    const threads = request.workers ?? (context.config.engine.workers || os.availableParallelism());
    const manifest = await trainInShardProcesses({
      configPath: context.source.configPath,
      env: context.source.env,
      runId: request.runId,
      runsDir: context.lake.layout.runs,
      count: this.#count,
      workersEach: Math.max(1, Math.floor(threads / this.#count)),
      ...(request.resume ? { resume: true } : {}),
    });
    return {
      manifest,
      manifestPath: manifestFile(context.lake.layout.run(request.runId)),
      registered: false,
      where: `${this.#count} engine processes on this machine`,
    };
  }

  score(context: StageContext, request: ScoreRequest): Promise<ScoreOutcome> {
    return this.#local.score(context, request);
  }
}
