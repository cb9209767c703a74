import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { assertRunId } from '../core/run-id.ts';
import type { Stage } from '../registry/types.ts';

/**
 * Where everything lives below a storage root (a local folder, or the local cache of an ADLS account).
 * The same relative layout is used as blob prefixes in the lake.
 */
export function lakeLayout(root: string) {
  return {
    root,
    raw: path.join(root, 'raw'),
    /** Validated data: `bucket=NNN/part.parquet` files plus `catalog.parquet` and `meta.json`. */
    prepared: path.join(root, 'prepared'),
    runs: path.join(root, 'runs'),
    run: (runId: string) => path.join(root, 'runs', assertRunId(runId)),
    registry: (stage: Stage) => path.join(root, 'registry', stage),
    decisions: (runId: string) => path.join(root, 'runs', assertRunId(runId), 'decisions.json'),
    predictions: path.join(root, 'predictions'),
    /** DuckDB file standing in for Synapse SQL locally. */
    warehouse: path.join(root, 'warehouse.duckdb'),
    reports: path.join(root, 'reports'),
  };
}

export type LakeLayout = ReturnType<typeof lakeLayout>;

/**
 * The local folder the engine computes in: the storage root itself locally, or the cache that mirrors the ADLS
 * lake on Azure (steps sync it with the lake before and after).
 */
export function workingRoot(config: Pick<Config, 'storage'>): string {
  return config.storage.kind === 'local' ? config.storage.root : config.storage.cacheRoot;
}
