import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseJournal } from '../contracts/journal.ts';
import { EXIT } from '../core/errors.ts';
import { describeEnvironmentError } from './environment-error.ts';
import type { PartitionRecord } from './manifest.ts';

/** The journal could not be written: the run stops (exit 3), naming the file. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
  readonly exitCode = EXIT.internal;
}

/**
 * The run journal (`src/contracts/journal.ts`): one JSON line per finished partition, appended and fsynced after
 * every batch. It is what makes a run resumable: a process killed at any moment leaves at most one torn last line, which reading skips;
 * every complete line refers to an artifact that was written (atomically) before the line.
 */
export class RunJournal {
  readonly file: string;
  #checked = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(runDir: string, shardLabel: string) {
    this.file = path.join(runDir, `journal${shardLabel}.jsonl`);
  }

  async append(records: readonly PartitionRecord[]): Promise<void> {
    await this.appendLines(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /**
   * Appends records already serialised, one JSON line each (a worker's batch), then fsyncs. Appends run one at a
   * time, in call order: two batches finishing together must not both write while the first is still ending a
   * torn line, or the second batch's first record is glued onto it and lost.
   */
  appendLines(lines: string): Promise<void> {
    const run = this.#queue.then(() => this.#appendNow(lines));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #appendNow(lines: string): Promise<void> {
    if (lines.length === 0) return;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await this.#endTornLine();
      await appendFile(this.file, lines);
      const handle = await open(this.file, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      const described = describeEnvironmentError(error, 'the run journal', this.file);
      throw described
        ? new JournalError(`${described}; free the space or fix the device, then --resume`)
        : error;
    }
  }

  /**
   * A killed process can leave a last line without its newline; appending straight after it would glue the next
   * record onto the torn one and lose it too. Ends such a line first (it is then skipped as corrupt).
   */
  async #endTornLine(): Promise<void> {
    if (this.#checked) return;
    this.#checked = true;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let torn = false;
    try {
      const { size } = await handle.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        torn = last[0] !== 0x0a;
      }
    } finally {
      await handle.close();
    }
    if (torn) await appendFile(this.file, '\n');
  }

  /** The latest record of each partition, by name; torn or corrupt lines are skipped (see the contract). */
  async read(): Promise<Map<string, PartitionRecord>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
    return parseJournal(text) as Map<string, PartitionRecord>;
  }
}
