import type { z } from 'zod';
import { type SparkStageRequest, sparkJobArgs, sparkJobName } from '../spark-job.ts';
import type { synapseSparkSettingsSchema } from '../spark-settings.ts';

/** Where and how the job runs on a Synapse Spark pool (the `compute.synapseSpark` entry of the environment config). */
export type SynapseSparkSettings = z.infer<typeof synapseSparkSettingsSchema>;

/** The Livy API version of the spec this client and its simulator follow. */
export const LIVY_API_VERSION = '2019-11-01-preview';

/** The alias the bundle is unpacked under in every container's working directory (`#mm` in `archives`). */
export const SYNAPSE_APP_ALIAS = 'mm';

/**
 * The body of `POST {endpoint}/livyApi/versions/2019-11-01-preview/sparkPools/{pool}/batches` for one stage
 * (SparkBatchJobOptions in Azure/azure-rest-api-specs, specification/synapse/data-plane/Microsoft.Synapse/preview/
 * 2019-11-01-preview/sparkJob.json: `name` and `file` required; `args`, `pyFiles`, `archives`, `conf`, sizes).
 * Node and the app travel as an archive that Spark unpacks into each container's working directory as `./mm`.
 */
export function synapseBatch(request: SparkStageRequest, settings: SynapseSparkSettings) {
  const runtime = settings.runtimeUrl.replace(/\/+$/, '');
  const cores = settings.executorCores ?? 4;
  const memory = settings.executorMemory ?? '28g';
  return {
    name: sparkJobName(request),
    file: `${runtime}/mm_spark.py`,
    pyFiles: [`${runtime}/mm_executor.py`, `${runtime}/mm_prepare.py`],
    archives: [`${runtime}/mm-spark-app.tar.gz#${SYNAPSE_APP_ALIAS}`],
    args: sparkJobArgs(request, {
      mount: settings.lakeUrl,
      ...(settings.linkedService ? { linkedService: settings.linkedService } : {}),
      node: `./${SYNAPSE_APP_ALIAS}/node/bin/node`,
      appRoot: `./${SYNAPSE_APP_ALIAS}/app`,
    }),
    conf: { 'spark.python.worker.reuse': 'true', 'spark.dynamicAllocation.enabled': 'false' },
    tags: { 'mm.run.id': request.runId, 'mm.stage': request.stage },
    driverMemory: memory,
    driverCores: cores,
    executorMemory: memory,
    executorCores: cores,
    numExecutors: settings.executors,
  };
}

export type SynapseBatch = ReturnType<typeof synapseBatch>;
