import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** What one call of the entry script's run(mini_batch) came to. */
export type RunOutcome =
  | { kind: 'returned'; rows: string[] }
  | { kind: 'raised'; error: string }
  | { kind: 'crashed'; error: string }
  | { kind: 'timeout'; error: string };

const WORKER = path.join(import.meta.dirname, 'worker.py');

/**
 * One worker process of a simulated node: Python running the entry script through ./worker.py. It is started in
 * its own process group, so killing it takes its children (the engine host) with it, as losing the process does.
 * The init()/run(mini_batch) contract (init once per process, run per mini-batch, a returned list of rows
 * appended to the output) is the entry-script contract of
 * https://learn.microsoft.com/azure/machine-learning/how-to-use-parallel-job-in-pipeline.
 */
export class EntryProcess {
  readonly #child: ChildProcess;
  readonly #log: WriteStream;
  readonly #answers: string[] = [];
  #waiter: (() => void) | undefined;
  #exited: number | null | undefined;
  readonly ready: Promise<void>;

  constructor(options: {
    python: string;
    codeDir: string;
    entryScript: string;
    args: readonly string[];
    env: NodeJS.ProcessEnv;
    logFile: string;
  }) {
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
    this.#child = spawn(
      options.python,
      ['-u', WORKER, options.codeDir, options.entryScript, ...options.args],
      {
        env: options.env,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        detached: true,
      },
    );
    this.#child.stdout!.pipe(this.#log, { end: false });
    this.#child.stderr!.pipe(this.#log, { end: false });
    const answers = this.#child.stdio[3] as NodeJS.ReadableStream;
    const lines = createInterface({ input: answers });
    lines.on('line', (line) => {
      this.#answers.push(line);
      this.#waiter?.();
    });
    // fd 3 is the worker's alone (Popen closes it in the engine host): once it is closed, every answer is read.
    const drained = new Promise<void>((resolve) => lines.once('close', () => resolve()));
    this.#child.on('exit', (code, signal) => {
      void drained.then(() => {
        this.#exited = code ?? (signal ? -1 : null);
        this.#waiter?.();
      });
    });
    this.#child.stdin!.on('error', () => {}); // a dead process: reported by 'exit'
    this.ready = this.#next(undefined).then((line) => {
      if (line === undefined) throw new Error(`init() failed (exit ${this.#exited}); see ${options.logFile}`);
    });
  }

  get pid(): number {
    return this.#child.pid!;
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
    this.#child.stdin!.write(`${JSON.stringify(files)}\n`);
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

  /** Kills the process and its children (the whole group). */
  kill(): void {
    if (this.#exited !== undefined) return;
    try {
      process.kill(-this.#child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Ends stdin (the worker calls shutdown()) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
      this.#child.stdin!.end();
      await exited;
    }
    await new Promise<void>((resolve) => this.#log.end(() => resolve()));
  }
}
