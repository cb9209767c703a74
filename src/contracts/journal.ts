import type { z } from 'zod';
import { partitionRecordSchema } from './run-manifest.ts';

/**
 * `runs/<id>/journal[.<shard>].jsonl`: one line per finished partition, appended and fsynced after every batch.
 * A line is exactly a run manifest partition record. A process killed mid-append leaves at most one torn last
 * line; reading skips it (and any line that is not a record), so that partition simply trains again.
 */
export const journalLineSchema = partitionRecordSchema;

export type JournalLine = z.infer<typeof journalLineSchema>;

/** The latest record of each partition, by name, from the journal's text. */
export function parseJournal(text: string): Map<string, JournalLine> {
  const latest = new Map<string, JournalLine>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = journalLineSchema.safeParse(value);
    if (parsed.success) latest.set(parsed.data.name, parsed.data);
  }
  return latest;
}
