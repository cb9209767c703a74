import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DecisionsFile } from './decision-record.ts';

/** Bytes collected before each write. */
const CHUNK = 1 << 20;

/**
 * Writes `decisions.json` atomically (temporary sibling, fsync, rename) one decision per line: at 100,000
 * partitions the file is over 100 MB of JSON, which `JSON.stringify(file, null, 2)` would build as one string
 * (and a copy) on top of the decisions themselves. The file is ordinary JSON (`decisions` last), read through
 * its contract as before.
 */
export async function writeDecisionsFile(file: string, decisions: DecisionsFile): Promise<void> {
  const { decisions: rows, ...header } = decisions;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    const head = JSON.stringify(header, null, 2);
    let buffer = `${head.slice(0, -2)},\n  "decisions": [`;
    for (let i = 0; i < rows.length; i++) {
      buffer += `${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(rows[i])}`;
      if (buffer.length >= CHUNK) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    await handle.write(`${buffer}${rows.length === 0 ? '' : '\n  '}]\n}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
