import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { blobStoreFor } from '../storage/factory.ts';
import { workingRoot } from '../storage/layout.ts';
import { mirrorDir } from '../storage/mirror.ts';
import type { BlobStore } from '../storage/types.ts';

/**
 * Stages that run on the pipeline agent (evaluate-and-promote, report) compute in the local cache of the lake:
 * `pull` brings the prefixes they read down from ADLS, `push` sends what they wrote back. With local storage the
 * cache IS the lake and both are no-ops.
 */
export async function pullFromLake(
  config: Config,
  prefixes: readonly string[],
  store: BlobStore = blobStoreFor(config),
): Promise<void> {
  if (config.storage.kind !== 'azure') return;
  for (const prefix of prefixes) {
    const count = await store.downloadDir(prefix, path.join(workingRoot(config), prefix));
    process.stderr.write(`lake: ${count} file(s) of ${prefix} from ${store.location}\n`);
  }
}

export async function pushToLake(
  config: Config,
  prefixes: readonly string[],
  store: BlobStore = blobStoreFor(config),
): Promise<void> {
  if (config.storage.kind !== 'azure') return;
  for (const prefix of prefixes) {
    const count = await store.uploadDir(path.join(workingRoot(config), prefix), prefix);
    process.stderr.write(`lake: ${count} file(s) of ${prefix} to ${store.location}\n`);
  }
}

/**
 * Makes the lake's `prefix` equal to the local folder: uploads what changed, then deletes keys the folder no longer
 * has (a re-prepare with fewer buckets must not leave stale data for readers that glob the prefix).
 */
export async function mirrorToLake(
  config: Config,
  prefix: string,
  store: BlobStore = blobStoreFor(config),
): Promise<void> {
  if (config.storage.kind !== 'azure') return;
  const stats = await mirrorDir(store, path.join(workingRoot(config), prefix), prefix);
  process.stderr.write(
    `lake: ${prefix} mirrored to ${store.location} (${stats.uploaded} uploaded, ${stats.deleted} stale removed)\n`,
  );
}
