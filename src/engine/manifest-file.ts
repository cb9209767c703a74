import { writeJsonArrayFile } from '../util/json-array-file.ts';
import type { RunManifest } from './manifest.ts';

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
  await writeJsonArrayFile(file, header, 'partitions', records);
}
