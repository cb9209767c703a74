import path from 'node:path';
import type { StorageConfig } from './schema.ts';

/** A dataset name is a single folder name and a blob path segment: no dots, slashes or spaces. */
export const DATASET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** `configs/My Sales.yaml` -> `my-sales`: the default `dataset.name`, always a valid one. */
export function datasetNameFromFile(configPath: string): string {
  const base = path.basename(configPath).replace(/\.ya?ml$/i, '');
  const slug = base
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 64);
  return slug || 'dataset';
}

/** The dataset's folder below a storage root or in a lake container. */
export function datasetFolder(name: string): string {
  return `datasets/${name}`;
}

/**
 * The storage a dataset's stages use. An environment's storage root is shared by every dataset run against it, so
 * each dataset gets its own folder `datasets/<name>/` under it: the demo and a user's data never share a prepared
 * lake, runs, registries, predictions or reports. A root named in the dataset config itself is already that
 * dataset's own and is used as it is.
 *
 * On Azure both the local cache and the lake container are namespaced: `prefix` is the dataset's folder in the
 * container, from which src/lake/dataset-lake.ts builds every lake path (blob keys, pipeline datastore URIs, the
 * Spark job's lake folder, the Synapse data source, the model index).
 */
export function namespacedStorage(storage: StorageConfig, name: string): StorageConfig {
  if (storage.kind === 'local') return { ...storage, root: path.join(storage.root, 'datasets', name) };
  return {
    ...storage,
    cacheRoot: path.join(storage.cacheRoot, 'datasets', name),
    prefix: datasetFolder(name),
  };
}
