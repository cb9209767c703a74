import { walkFiles } from './local-files.ts';
import type { BlobStore, SyncOptions } from './types.ts';

export interface MirrorStats {
  uploaded: number;
  deleted: number;
  directoriesRemoved: number;
}

/**
 * Makes the lake's `prefix` equal to a local folder: uploads what changed, deletes files the folder no longer has
 * (a re-prepare with fewer buckets must not leave stale data for readers that glob the prefix), then the
 * directories that left empty. Files go before directories because an HNS account refuses to delete a
 * non-empty directory (409 DirectoryIsNotEmpty).
 */
export async function mirrorDir(
  store: BlobStore,
  localDir: string,
  prefix: string,
  options: SyncOptions = {},
): Promise<MirrorStats> {
  const { abortSignal } = options;
  const uploaded = await store.uploadDir(localDir, prefix, { abortSignal });
  // Stopped here, the lake has every new file and may keep some stale ones: readers never see a half-written one.
  abortSignal?.throwIfAborted();
  const keep = new Set((await walkFiles(localDir)).map((f) => `${prefix}/${f.relative}`));
  let deleted = 0;
  const stale: string[] = [];
  for await (const key of store.list(`${prefix}/`)) if (!keep.has(key)) stale.push(key);
  for (const key of stale) {
    abortSignal?.throwIfAborted();
    await store.delete(key);
    deleted++;
  }
  const directoriesRemoved = (await store.pruneEmptyDirectories?.(prefix)) ?? 0;
  return { uploaded, deleted, directoriesRemoved };
}
