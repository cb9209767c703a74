import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Bytes collected before each write: large enough that a million records are a few hundred writes. */
const CHUNK = 1 << 20;

/**
 * Writes `{...header, [arrayKey]: [...records]}` as ordinary JSON, atomically (temporary sibling, fsync, rename),
 * one record per line with the array last. Run manifests and decisions files at a million partitions are more JSON
 * than one JavaScript string may hold, so the file is never built as one: `records` are the records' JSON texts,
 * in order, and may stream from disk.
 */
export async function writeJsonArrayFile(
  file: string,
  header: object,
  arrayKey: string,
  records: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    const head = JSON.stringify(header, null, 2);
    let buffer = `${head.slice(0, -2)},\n  ${JSON.stringify(arrayKey)}: [`;
    let first = true;
    for await (const record of records) {
      buffer += `${first ? '\n' : ',\n'}    ${record}`;
      first = false;
      if (buffer.length >= CHUNK) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    await handle.write(`${buffer}${first ? '' : '\n  '}]\n}\n`);
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
