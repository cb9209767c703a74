import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunJournal } from '../../src/engine/journal.ts';
import type { PartitionRecord } from '../../src/engine/manifest.ts';

const record = (i: number): PartitionRecord => ({
  name: `mm-s${i}-000000000000`,
  key: [`S${i}`],
  status: 'ok',
  artifact: `packs/0123456789abcdef.jsonl#${i * 10}+10`,
  observations: 52,
  durationMs: 1,
});

describe('RunJournal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mm-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given a torn last line and two batches appended at once (a resumed run), then both batches are read back', async () => {
    const journal = new RunJournal(dir, '');
    const torn = JSON.stringify(record(0));
    await writeFile(journal.file, `${JSON.stringify(record(9))}\n${torn.slice(0, 20)}`);

    // Two workers' batches finishing together: neither call waits for the other.
    await Promise.all([
      journal.appendLines(`${JSON.stringify(record(1))}\n${JSON.stringify(record(2))}\n`),
      journal.appendLines(`${JSON.stringify(record(3))}\n`),
      journal.append([record(4)]),
    ]);

    const names = [...(await journal.read()).keys()].sort();
    expect(names).toEqual([9, 1, 2, 3, 4].map((i) => record(i).name).sort());
    const text = await readFile(journal.file, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(6); // the torn line stays, on its own line
  });
});
