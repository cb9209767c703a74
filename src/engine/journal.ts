import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseJournal } from '../contracts/journal.ts';
import type { PartitionRecord } from './manifest.ts';

/**
 * The run journal (`src/contracts/journal.ts`): one JSON line per finished partition, appended and fsynced after
 * every batch. It is what makes a run resumable: a process killed at any moment leaves at most one torn last line, which reading skips;
 * every complete line refers to an artifact that was written (atomically) before the line.
 */
export class RunJournal {
  readonly file: string;

  constructor(runDir: string, shardLabel: string) {
    this.file = path.join(runDir, `journal${shardLabel}.jsonl`);
  }

  async append(records: readonly PartitionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const handle = await open(this.file, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
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
