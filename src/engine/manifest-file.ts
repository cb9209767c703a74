import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RunManifest } from './manifest.ts';

/** Bytes collected before each write: large enough that a million records are a few hundred writes. */
const CHUNK = 1 << 20;

/**
 * Writes a run manifest atomically (temporary sibling, fsync, rename) one record at a time, one line each. A
 * manifest of a million partitions is about a gigabyte of JSON: more than one JavaScript string may hold, so it
 * is never built as one. The file is ordinary JSON; `partitions` comes last.
 */
export async function writeManifestFile(file: string, manifest: RunManifest): Promise<void> {
  const { partitions, ...header } = manifest;
  async function* lines() {
    for (const record of partitions) yield JSON.stringify(record);
  }
  await writeManifestLines(file, header, lines());
}

/**
 * The same file from the header and the records' JSON texts, one per line, in order: a caller streaming
 * records from disk never holds them all.
 */
export async function writeManifestLines(
  file: string,
  header: Omit<RunManifest, 'partitions'>,
  records: AsyncIterable<string>,
): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    const head = JSON.stringify(header, null, 2);
    let buffer = `${head.slice(0, -2)},\n  "partitions": [`;
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
