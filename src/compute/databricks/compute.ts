import { SparkCompute } from '../spark-compute.ts';
import type { PollerOptions } from '../spark-poller.ts';
import type { SparkRestOptions } from '../spark-rest.ts';
import { beginDatabricksStage } from './jobs.ts';
import type { DatabricksSettings } from './spec.ts';

/** `compute.engine: databricks`: each stage is a one-time Databricks run on a new job cluster. */
export function databricksCompute(
  settings: DatabricksSettings,
  options: SparkRestOptions & { poller?: PollerOptions } = {},
): SparkCompute {
  return new SparkCompute({
    name: 'databricks',
    where: `a Databricks job cluster of ${settings.workers} worker(s) (${settings.workspaceUrl})`,
    lakeOnCluster: settings.lakeVolume,
    begin: (request, poller) => beginDatabricksStage(request, { ...options, settings }, poller),
    ...(options.poller ? { poller: options.poller } : {}),
  });
}
