import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type SparkStageRequest, sparkJobArgs } from './spark-job.ts';

/** The repository root: the app root the engine hosts run in when Spark runs on this machine. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The Python with pyspark (`$MM_VENV`, built by .ci/python.sh); the error says how to get it. */
export function sparkPython(env: NodeJS.ProcessEnv = process.env): string {
  const venv = env.MM_VENV ?? path.join(os.homedir(), '.cache/many-models/venv');
  const python = path.join(venv, 'bin/python');
  if (!existsSync(python)) {
    throw new Error(`no Python with pyspark at ${python}; build it with .ci/python.sh (or set MM_VENV)`);
  }
  return python;
}

export interface LocalSparkOptions {
  /** The lake folder (driver and executors are this machine). */
  lakeRoot: string;
  /** Spark master; local[2] by default (the demo and tests share a small machine). */
  master?: string;
  /** Where the job's (chatty) output goes: this process's stderr (default), nowhere, or a log file. */
  output?: 'inherit' | 'ignore' | { file: string };
  /** A command the job runs under, e.g. a CPU meter: `[program, ...args]`, then the job's own command line. */
  launcher?: string[];
  abortSignal?: AbortSignal;
}

/**
 * Runs one stage of `pipelines/spark/mm_spark.py` on a local Spark (`local[N]`, the machine's Java) with this
 * Node as the engine host; resolves with the job's exit code (the finishing `mm` step's).
 */
export function runLocalSpark(request: SparkStageRequest, options: LocalSparkOptions): Promise<number> {
  const python = sparkPython();
  const args = [
    path.join(REPO_ROOT, 'pipelines/spark/mm_spark.py'),
    ...sparkJobArgs(request, {
      lake: path.resolve(options.lakeRoot),
      node: process.execPath,
      appRoot: REPO_ROOT,
    }),
    '--master',
    options.master ?? 'local[2]',
  ];
  const [program, ...rest] = [...(options.launcher ?? []), python, ...args];
  const output = options.output ?? 'inherit';
  const fd = typeof output === 'object' ? openSync(output.file, 'a') : undefined;
  const sink = fd ?? (output === 'ignore' ? 'ignore' : process.stderr);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(program!, rest, {
      cwd: REPO_ROOT,
      stdio: ['ignore', sink, sink],
      env: { ...process.env, PYSPARK_PYTHON: python },
      ...(options.abortSignal ? { signal: options.abortSignal } : {}),
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  }).finally(() => {
    if (fd !== undefined) closeSync(fd);
  });
}
