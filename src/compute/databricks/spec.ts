import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { type SparkStageRequest, sparkJobArgs, sparkJobName } from '../spark-job.ts';
import type { databricksSettingsSchema } from '../spark-settings.ts';

/** Where and how the job runs on Azure Databricks (the `compute.databricks` entry of the environment config). */
export type DatabricksSettings = z.infer<typeof databricksSettingsSchema>;

/** Where the init script unpacks the bundle on every node (docs/spark.md). */
export const DATABRICKS_APP_DIR = '/opt/mm';

/**
 * The body of Jobs API 2.1 `POST /api/2.1/jobs/runs/submit` for one stage: a one-time run of `mm_spark.py` as a
 * spark_python_task on a new job cluster whose init script installs Node and the app from the runtime volume.
 * Fields per https://docs.databricks.com/api/azure/workspace/jobs/submit (run_name, tasks[].task_key,
 * new_cluster, spark_python_task.python_file/parameters, timeout_seconds, idempotency_token).
 */
export function databricksRunSubmit(request: SparkStageRequest, settings: DatabricksSettings) {
  const runtime = settings.runtimeVolume.replace(/\/+$/, '');
  return {
    run_name: sparkJobName(request),
    // The same run id always yields the same token, so a retried submission returns the first run instead of
    // starting a second one ("If a run with the provided token already exists, the request does not create a new
    // run but returns the ID of the existing run"; at most 64 characters).
    idempotency_token: idempotencyToken(request),
    timeout_seconds: settings.timeoutSeconds ?? 6 * 3600,
    tasks: [
      {
        task_key: request.stage,
        new_cluster: {
          spark_version: settings.sparkVersion,
          node_type_id: settings.nodeType,
          num_workers: settings.workers,
          data_security_mode: 'SINGLE_USER',
          single_user_name: settings.runAs,
          init_scripts: [{ volumes: { destination: `${runtime}/install-mm.sh` } }],
          spark_env_vars: { MM_RUNTIME_VOLUME: runtime },
          spark_conf: { 'spark.python.worker.reuse': 'true' },
        },
        spark_python_task: {
          python_file: `${DATABRICKS_APP_DIR}/app/pipelines/spark/mm_spark.py`,
          parameters: sparkJobArgs(request, {
            lake: settings.lakeVolume,
            node: `${DATABRICKS_APP_DIR}/node/bin/node`,
            appRoot: `${DATABRICKS_APP_DIR}/app`,
          }),
        },
      },
    ],
  };
}

export type DatabricksRunSubmit = ReturnType<typeof databricksRunSubmit>;

export function idempotencyToken(request: Pick<SparkStageRequest, 'stage' | 'runId'>): string {
  return `mm-${createHash('sha256').update(`${request.stage}\n${request.runId}`).digest('hex').slice(0, 40)}`;
}
