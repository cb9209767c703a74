import type { StorageConfig } from '../config/schema.ts';
import type { Shard } from '../engine/shard.ts';

/**
 * What a step running as one node of an Azure ML job needs from its environment. The job specs in `pipelines/`
 * use the PyTorch launcher with one process per node only for its variables: NODE_RANK (this node, 0-based) and
 * WORLD_SIZE (the node count); nothing of PyTorch is needed in the image.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  const pairs: [string | undefined, string | undefined][] = [
    [env.NODE_RANK ?? env.RANK, env.WORLD_SIZE],
    [env.OMPI_COMM_WORLD_RANK, env.OMPI_COMM_WORLD_SIZE],
  ];
  for (const [rank, size] of pairs) {
    if (rank === undefined || size === undefined) continue;
    const index = Number(rank);
    const count = Number(size);
    if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1 || index < 0 || index >= count) {
      throw new Error(`node rank ${rank} of ${size} from the job's environment is not a valid shard`);
    }
    return { index, count };
  }
  return undefined;
}

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
