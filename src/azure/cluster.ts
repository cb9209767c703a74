import type { StorageConfig } from '../config/schema.ts';

/**
 * On the cluster the lake is mounted into the job (an rw_mount output); the job command exports its path as
 * MM_LAKE_ROOT, and the steps then use it as a local folder: the same engine code, no copying.
 */
export function effectiveStorage(
  storage: StorageConfig,
  env: NodeJS.ProcessEnv = process.env,
): StorageConfig {
  const mounted = env.MM_LAKE_ROOT;
  if (!mounted) return storage;
  return { kind: 'local', root: mounted };
}
