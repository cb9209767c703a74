import type { Config } from '../config/schema.ts';
import { type LakeLayout, lakeLayout } from '../storage/layout.ts';

/**
 * The local folder the engine computes in: the storage root itself locally, or the cache that mirrors the ADLS
 * lake on Azure (steps sync it with the lake before and after).
 */
export function workingRoot(config: Config): string {
  return config.storage.kind === 'local' ? config.storage.root : config.storage.cacheRoot;
}

export function layoutFor(config: Config): LakeLayout {
  return lakeLayout(workingRoot(config));
}
