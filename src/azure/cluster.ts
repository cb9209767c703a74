import type { StorageConfig } from '../config/schema.ts';

/**
 * On the cluster the lake is mounted into the job (an rw_mount output); the job command exports its path as
 * MM_LAKE_ROOT, and the steps then use it as a local folder: the same engine code, no copying. The mount is the
 * dataset's folder of the lake (src/lake/dataset-lake.ts builds the job's paths so).
 */
export function effectiveStorage(
  storage: StorageConfig,
  env: NodeJS.ProcessEnv = process.env,
): StorageConfig {
  const mounted = env.MM_LAKE_ROOT;
  if (!mounted) return storage;
  // The mount is the dataset's folder of the lake; the Azure ML registry's index is still found by its prefix.
  return { kind: 'local', root: mounted, ...(storage.prefix ? { prefix: storage.prefix } : {}) };
}
