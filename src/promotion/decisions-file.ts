import { writeJsonArrayFile } from '../util/json-array-file.ts';
import type { DecisionsFile } from './decision-record.ts';

/**
 * Writes `decisions.json` atomically (temporary sibling, fsync, rename) one decision per line: at 100,000
 * partitions the file is over 100 MB of JSON, which `JSON.stringify(file, null, 2)` would build as one string
 * (and a copy) on top of the decisions themselves. The file is ordinary JSON (`decisions` last), read through
 * its contract as before.
 */
export async function writeDecisionsFile(file: string, decisions: DecisionsFile): Promise<void> {
  const { decisions: rows, ...header } = decisions;
  // One decision's JSON at a time: never all of them as strings at once.
  function* lines() {
    for (const row of rows) yield JSON.stringify(row);
  }
  await writeJsonArrayFile(file, header, 'decisions', lines());
}
