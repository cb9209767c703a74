import { SparkCompute } from '../spark-compute.ts';
import type { PollerOptions } from '../spark-poller.ts';
import type { SparkRestOptions } from '../spark-rest.ts';
import { beginSynapseStage } from './batches.ts';
import type { SynapseSparkSettings } from './spec.ts';

/** Where the driver mounts the lake (`mssparkutils.fs.mount(url, "/mm-lake")` in mm_spark.py). */
export const SYNAPSE_LAKE_ON_CLUSTER = '/synfs/{jobId}/mm-lake';

/** `compute.engine: synapse-spark`: each stage is a Spark batch job on the workspace's Spark pool. */
export function synapseSparkCompute(
  settings: SynapseSparkSettings,
  options: SparkRestOptions & { poller?: PollerOptions } = {},
): SparkCompute {
  return new SparkCompute({
    name: 'synapse-spark',
    where: `${settings.executors} executor(s) of Synapse Spark pool ${settings.sparkPool}`,
    // Paths in the lake are passed relative to the mount the driver makes; the job resolves them against it.
    lakeOnCluster: SYNAPSE_LAKE_ON_CLUSTER,
    begin: (request, poller) => beginSynapseStage(request, { ...options, settings }, poller),
    ...(options.poller ? { poller: options.poller } : {}),
  });
}
