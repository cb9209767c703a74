import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ClusterNode, Mount, NodeProcess } from './nodes.ts';

/** What one call of the entry script's run(mini_batch) came to. */
export type RunOutcome =
  | { kind: 'returned'; rows: string[] }
  | { kind: 'raised'; error: string }
  | { kind: 'crashed'; error: string }
  | { kind: 'timeout'; error: string };

/** The stand-in for Azure ML's own driver: mounted read-only where the node runs in an image. */
export const WORKER = path.join(import.meta.dirname, 'worker.py');

/**
 * One worker process of a simulated node: Python running the entry script through ./worker.py, on a node of
 * ./nodes.ts (this host, or a container of the runtime image). Killing it takes its children (the engine host)
 * with it, as losing the process does. The init()/run(mini_batch) contract (init once per process, run per
 * mini-batch, a returned list of rows appended to the output) is the entry-script contract of
 * https://learn.microsoft.com/azure/machine-learning/how-to-use-parallel-job-in-pipeline.
 */
export class EntryProcess {
  readonly #child: NodeProcess;
  readonly #log: WriteStream;
  readonly #answers: string[] = [];
  #waiter: (() => void) | undefined;
  #exited: number | null | undefined;
  readonly ready: Promise<void>;

  /** Starts the worker on `node` and waits for init() to return. */
  static async start(options: {
    node: ClusterNode;
    python: string;
    codeDir: string;
    entryScript: string;
    args: readonly string[];
    env: Record<string, string>;
    /** The job's inputs (read-only) and outputs on this process. */
    mounts: Mount[];
    logFile: string;
  }): Promise<EntryProcess> {
    const child = await options.node.start(
      [options.python, '-u', WORKER, options.codeDir, options.entryScript, ...options.args],
      {
        env: options.env,
        mounts: [
          { source: path.dirname(WORKER), target: path.dirname(WORKER), readOnly: true },
          { source: options.codeDir, target: options.codeDir, readOnly: true },
          ...options.mounts,
        ],
      },
    );
    const started = new EntryProcess(child, options.logFile);
    await started.ready;
    return started;
  }

  private constructor(child: NodeProcess, logFile: string) {
    this.#child = child;
    this.#log = createWriteStream(logFile, { flags: 'a' });
    // The worker answers on its stdout and sends the entry script's own output to stderr (see worker.py).
    this.#child.stderr.pipe(this.#log, { end: false });
    const lines = createInterface({ input: this.#child.stdout });
    lines.on('line', (line) => {
      this.#answers.push(line);
      this.#waiter?.();
    });
    // The answer pipe is the worker's alone (not inherited by the engine host): once it is closed, every answer
    // is read.
    const drained = new Promise<void>((resolve) => lines.once('close', () => resolve()));
    void Promise.all([this.#child.exited, drained]).then(([code]) => {
      this.#exited = code ?? -1;
      this.#waiter?.();
    });
    this.ready = this.#next(undefined).then((line) => {
      if (line === undefined) throw new Error(`init() failed (exit ${this.#exited}); see ${logFile}`);
    });
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** The next answer line, or undefined when the process exits first or the timeout passes. */
  async #next(timeoutMs: number | undefined): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    while (this.#answers.length === 0 && this.#exited === undefined && !timedOut) {
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
        if (timeoutMs !== undefined && !timer) {
          timer = setTimeout(() => {
            timedOut = true;
            resolve();
          }, timeoutMs);
        }
      });
    }
    clearTimeout(timer);
    this.#waiter = undefined;
    return this.#answers.shift();
  }

  async run(files: readonly string[], timeoutMs: number): Promise<RunOutcome> {
    if (this.#exited !== undefined) return { kind: 'crashed', error: `process exited (${this.#exited})` };
    this.#child.stdin.write(`${JSON.stringify(files)}\n`);
    const line = await this.#next(timeoutMs);
    if (line === undefined) {
      if (this.#exited !== undefined)
        return { kind: 'crashed', error: `process exited (${this.#exited}) mid-batch` };
      this.kill();
      return { kind: 'timeout', error: `run() exceeded retry_settings.timeout (${timeoutMs / 1000} s)` };
    }
    const answer = JSON.parse(line) as { ok: boolean; rows?: string[]; error?: string };
    return answer.ok
      ? { kind: 'returned', rows: answer.rows ?? [] }
      : { kind: 'raised', error: answer.error ?? '' };
  }

  /** Kills the process and its children. */
  kill(): void {
    if (this.#exited !== undefined) return;
    this.#child.kill();
  }

  /** Ends stdin (the worker calls shutdown()) and waits for the exit. */
  async stop(): Promise<void> {
    this.#child.stdin.end();
    await this.#child.exited;
    await new Promise<void>((resolve) => this.#log.end(() => resolve()));
  }
}
