import { describe, expect, it } from 'vitest';
import { parseJournal } from '../../src/contracts/journal.ts';

const line = (name: string, status: string, durationMs = 1) =>
  JSON.stringify({ name, key: [name], status, observations: 10, durationMs });

describe('the journal contract (runs/<id>/journal.jsonl)', () => {
  it('given a journal, when it is read, then the latest record of each partition wins', () => {
    const journal = parseJournal([line('a', 'failed'), line('b', 'ok'), line('a', 'ok', 2), ''].join('\n'));
    expect([...journal.values()].map((r) => [r.name, r.status, r.durationMs])).toEqual([
      ['a', 'ok', 2],
      ['b', 'ok', 1],
    ]);
  });

  it('given a torn last line and a line that is not a record, when it is read, then both are skipped so those partitions train again', () => {
    const torn = line('c', 'ok').slice(0, 20);
    const notARecord = JSON.stringify({ name: 'd', status: 'ok' });
    const journal = parseJournal([line('a', 'ok'), notARecord, torn].join('\n'));
    expect([...journal.keys()]).toEqual(['a']);
  });
});
