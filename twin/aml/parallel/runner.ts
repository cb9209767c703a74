import { statSync } from 'node:fs';
import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EntryProcess, type RunOutcome } from './entry-process.ts';
import { type ClusterNode, hostNodes, type Mount, type NodeRuntime } from './nodes.ts';

/**
 * The Azure ML parallel job step, run on this machine: the input folder's files are split into mini-batches, which
 * `instance_count` simulated nodes x `max_concurrency_per_instance` worker processes take from one queue, each
 * process running the real entry script (init() once, run(mini_batch) per mini-batch). Every behaviour follows
 * Microsoft's documentation, cited where it is applied:
 *   [yaml]  https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-parallel (keys, defaults, ranges)
 *   [howto] https://learn.microsoft.com/azure/machine-learning/how-to-use-parallel-job-in-pipeline
 *           ("Consider automation settings": thresholds, retries, timeouts; "Call the entry script")
 *   [retry] https://learn.microsoft.com/python/api/azure-ai-ml/azure.ai.ml.entities.retrysettings
 */
export interface ParallelStep {
  type: 'parallel';
  input_data: string;
  mini_batch_size?: string;
  resources?: { instance_count?: number };
  max_concurrency_per_instance?: number;
  mini_batch_error_threshold?: number;
  error_threshold?: number;
  retry_settings?: { max_retries?: number; timeout?: number };
  logging_level?: string;
  environment_variables?: Record<string, string>;
  task: {
    type?: 'run_function';
    code: string;
    entry_script: string;
    program_arguments?: string;
    append_row_to?: string;
  };
}

export type ParallelEvent =
  | {
      type: 'dispatched';
      miniBatch: number;
      files: string[];
      attempt: number;
      node: number;
      process: number;
      pid: number;
    }
  | { type: 'attempt-failed'; miniBatch: number; attempt: number; reason: string; willRetry: boolean }
  | { type: 'progress'; done: number; failed: number; total: number };

export interface RunParallelOptions {
  step: ParallelStep;
  /** Local values of the step's inputs (a folder path for data inputs) and outputs (a folder or file path). */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** Folder that `task.code` is relative to (the YAML file's folder). */
  baseDir: string;
  /** Where the nodes run (default: this host, with the Python of $MM_VENV). */
  nodes?: NodeRuntime;
  /** Names of the inputs that are data (a folder or file, mounted read-only on the nodes), not literals. */
  dataInputs?: readonly string[];
  /** Where each process writes its log (logs/user/ in a real job). */
  logsDir: string;
  env?: Record<string, string>;
  onEvent?: (event: ParallelEvent) => void;
  /** Called with each worker process once it is running; tests use it to kill one mid-batch. */
  onProcess?: (process: EntryProcess, node: number, index: number) => void;
}

export interface MiniBatchFailure {
  miniBatch: number;
  files: string[];
  attempts: number;
  error: string;
}

export interface ParallelRunResult {
  status: 'Completed' | 'Failed';
  reason?: string;
  miniBatches: { total: number; succeeded: number; failed: number };
  failedItems: number;
  failures: MiniBatchFailure[];
  attempts: number;
}

const REF = /\$\{\{\s*(inputs|outputs)\.([A-Za-z0-9_]+)\s*\}\}/g;

function resolve(text: string, options: RunParallelOptions): string {
  return text.replace(REF, (_, kind: string, name: string) => {
    const value = (kind === 'inputs' ? options.inputs : options.outputs)[name];
    if (value === undefined) throw new Error(`\${{${kind}.${name}}} is not bound`);
    return value;
  });
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function programArgument(args: readonly string[], name: string): number | undefined {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : undefined;
}

export async function runParallelStep(options: RunParallelOptions): Promise<ParallelRunResult> {
  const { step } = options;
  const args = step.task.program_arguments
    ? resolve(step.task.program_arguments, options).split(/\s+/).filter(Boolean)
    : [];
  // [yaml] mini_batch_size: for a folder input, the file count of each mini-batch; default 1.
  const size = Number(step.mini_batch_size ?? '1');
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`mini_batch_size '${step.mini_batch_size}' is not a file count`);
  const files = await filesBelow(resolve(step.input_data, options));
  const batches = Array.from({ length: Math.ceil(files.length / size) }, (_, i) =>
    files.slice(i * size, (i + 1) * size),
  );
  // [yaml] defaults: instance_count 1, max_concurrency_per_instance = cores on CPU (here 1: this machine is shared),
  // mini_batch_error_threshold -1, retry_settings.max_retries 2, retry_settings.timeout 60 s.
  const nodes = step.resources?.instance_count ?? 1;
  const perNode = step.max_concurrency_per_instance ?? 1;
  const miniBatchThreshold = step.mini_batch_error_threshold ?? -1;
  // [howto] item_error_threshold is the program argument --error_threshold; the YAML key error_threshold sets it too.
  const itemThreshold = programArgument(args, '--error_threshold') ?? step.error_threshold ?? -1;
  const allowedFailedPercent = programArgument(args, '--allowed_failed_percent') ?? 100;
  // [retry] "A mini batch with dequeue count greater than this won't be processed again": at most max_retries
  // tries, and at least one.
  const tries = Math.max(1, step.retry_settings?.max_retries ?? 2);
  const timeoutMs = (step.retry_settings?.timeout ?? 60) * 1000;
  const appendTo = step.task.append_row_to ? resolve(step.task.append_row_to, options) : undefined;
  if (appendTo) {
    await mkdir(path.dirname(appendTo), { recursive: true });
    await writeFile(appendTo, '');
  }
  await mkdir(options.logsDir, { recursive: true });

  const queue = batches.map((files, miniBatch) => ({ miniBatch, files, attempts: 0 }));
  const failures: MiniBatchFailure[] = [];
  let succeeded = 0;
  let failedItems = 0;
  let attempts = 0;
  let stopReason: string | undefined;
  const emit = (event: ParallelEvent) => options.onEvent?.(event);
  const runtime = options.nodes ?? hostNodes();
  const env = { ...runtime.baseEnv(), ...options.env, ...step.environment_variables };
  const codeDir = path.resolve(options.baseDir, step.task.code);
  const mounts = jobMounts(options);
  const cluster: ClusterNode[] = [];
  for (let node = 0; node < nodes; node++) cluster.push(await runtime.node(node));

  const exceeded = (): string | undefined => {
    // [howto] a threshold is passed when the count is "higher than this threshold"; -1 ignores all failures.
    if (miniBatchThreshold >= 0 && failures.length > miniBatchThreshold)
      return `${failures.length} failed mini-batch(es), above mini_batch_error_threshold ${miniBatchThreshold}`;
    if (itemThreshold >= 0 && failedItems > itemThreshold)
      return `${failedItems} failed item(s), above error_threshold ${itemThreshold}`;
    if (batches.length > 0 && (failures.length / batches.length) * 100 > allowedFailedPercent)
      return `${failures.length} of ${batches.length} mini-batches failed, above allowed_failed_percent ${allowedFailedPercent}`;
    return undefined;
  };

  const slot = async (node: number, index: number) => {
    let worker: EntryProcess | undefined;
    const logFile = path.join(options.logsDir, `node-${node}-process-${index}.txt`);
    const start = async () => {
      const started = await EntryProcess.start({
        node: cluster[node]!,
        python: runtime.python,
        codeDir,
        entryScript: step.task.entry_script,
        args,
        env: { ...env, ...rankVariables(node, index, nodes, perNode) },
        mounts,
        logFile,
      });
      options.onProcess?.(started, node, index);
      return started;
    };
    try {
      while (queue.length > 0 && !stopReason) {
        const batch = queue.shift()!;
        worker ??= await start();
        batch.attempts++;
        attempts++;
        emit({
          type: 'dispatched',
          miniBatch: batch.miniBatch,
          files: batch.files,
          attempt: batch.attempts,
          node,
          process: index,
          pid: worker.pid,
        });
        const outcome: RunOutcome = await worker.run(batch.files, timeoutMs);
        // [yaml] a mini-batch fails when run() raises or returns fewer elements than it was given.
        if (outcome.kind === 'returned' && outcome.rows.length >= batch.files.length) {
          if (appendTo) await appendFile(appendTo, outcome.rows.map((r) => `${r}\n`).join(''));
          succeeded++;
        } else {
          const reason =
            outcome.kind === 'returned'
              ? `run() returned ${outcome.rows.length} element(s) for ${batch.files.length} input(s)`
              : outcome.error;
          if (outcome.kind === 'crashed' || outcome.kind === 'timeout') {
            await worker.stop(); // the next mini-batch gets a new process, which runs init() again
            worker = undefined;
          }
          // [howto] a failed or timed-out mini-batch is retried; when every retry fails it counts as failed.
          const willRetry = batch.attempts < tries;
          emit({
            type: 'attempt-failed',
            miniBatch: batch.miniBatch,
            attempt: batch.attempts,
            reason,
            willRetry,
          });
          if (willRetry) queue.push(batch);
          else {
            failures.push({
              miniBatch: batch.miniBatch,
              files: batch.files,
              attempts: batch.attempts,
              error: reason,
            });
            // [howto] failed items: the gap between a mini-batch's inputs and its returns.
            failedItems += batch.files.length - (outcome.kind === 'returned' ? outcome.rows.length : 0);
            stopReason = exceeded();
          }
        }
        emit({
          type: 'progress',
          done: succeeded + failures.length,
          failed: failures.length,
          total: batches.length,
        });
      }
    } finally {
      if (stopReason) worker?.kill();
      await worker?.stop();
    }
  };

  const slots: Promise<void>[] = [];
  for (let node = 0; node < nodes; node++)
    for (let index = 0; index < perNode; index++) slots.push(slot(node, index));
  const settled = await Promise.allSettled(slots);
  await Promise.allSettled(cluster.map((n) => n.release()));
  const broken = settled.find((s) => s.status === 'rejected');
  if (broken && !stopReason) stopReason = String((broken as PromiseRejectedResult).reason);
  return {
    status: stopReason ? 'Failed' : 'Completed',
    ...(stopReason ? { reason: stopReason } : {}),
    miniBatches: { total: batches.length, succeeded, failed: failures.length },
    failedItems,
    failures,
    attempts,
  };
}

/**
 * What Azure ML sets on each process of a distributed job: the node's index, the process's index on it and in the
 * job, and the number of processes ("Distributed GPU training guide (SDK v2)", PyTorch: NODE_RANK, LOCAL_RANK, RANK,
 * WORLD_SIZE, https://learn.microsoft.com/azure/machine-learning/how-to-train-distributed-gpu). The parallel job's
 * documentation names no variables of its own; our entry script reads none of these, a process's logs show them.
 */
function rankVariables(node: number, index: number, nodes: number, perNode: number): Record<string, string> {
  return {
    NODE_RANK: String(node),
    LOCAL_RANK: String(index),
    RANK: String(node * perNode + index),
    WORLD_SIZE: String(nodes * perNode),
  };
}

/**
 * The step's data on a node: its data inputs read-only ("ro_mount"), its outputs read-write, each at the path the
 * program arguments name (the same path as on this machine). A file input or output brings its folder.
 */
function jobMounts(options: RunParallelOptions): Mount[] {
  const folder = (p: string) => (statSync(p, { throwIfNoEntry: false })?.isFile() ? path.dirname(p) : p);
  const mounts: Mount[] = [];
  for (const name of options.dataInputs ?? []) {
    const source = options.inputs[name];
    if (source) mounts.push({ source: folder(source), target: folder(source), readOnly: true });
  }
  for (const target of Object.values(options.outputs))
    mounts.push({ source: folder(target), target: folder(target) });
  return mounts;
}
