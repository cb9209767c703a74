import { z } from 'zod';

/**
 * The environment config's settings for the Spark engines (`compute.engine: databricks | synapse-spark`), as
 * `infra` writes them from the stack's outputs. See docs/spark.md for what each one points at.
 */
export const databricksSettingsSchema = z.strictObject({
  /** https://adb-<id>.<n>.azuredatabricks.net */
  workspaceUrl: z.url({ protocol: /^https$/ }),
  /** Databricks Runtime of the job cluster (an LTS runtime; its Python has pandas and pyarrow). */
  sparkVersion: z.string().min(1).default('15.4.x-scala2.12'),
  nodeType: z.string().min(1).default('Standard_D4ds_v5'),
  workers: z.number().int().min(1).default(2),
  /** The Unity Catalog volume folder holding this version's app bundle and its init script. */
  runtimeVolume: z.string().startsWith('/Volumes/'),
  /** The lake as the cluster sees it: a Unity Catalog volume over the lake container. */
  lakeVolume: z.string().startsWith('/Volumes/'),
  /** Application id of the service principal the job cluster runs as (dedicated access mode). */
  runAs: z.string().min(1),
  timeoutSeconds: z.number().int().min(60).optional(),
});

export const synapseSparkSettingsSchema = z.strictObject({
  /** https://<workspace>.dev.azuresynapse.net */
  endpoint: z.url({ protocol: /^https$/ }),
  sparkPool: z.string().min(1),
  /** abfss://<container>@<account>.dfs.core.windows.net */
  lakeUrl: z.string().startsWith('abfss://'),
  linkedService: z.string().min(1).optional(),
  /** abfss:// folder with this version's mm-spark-app.tar.gz, mm_spark.py and mm_executor.py. */
  runtimeUrl: z.string().startsWith('abfss://'),
  executors: z.number().int().min(1).default(2),
  executorCores: z.number().int().min(1).optional(),
  executorMemory: z.string().min(1).optional(),
});

export type DatabricksSettingsInput = z.input<typeof databricksSettingsSchema>;
export type SynapseSparkSettingsInput = z.input<typeof synapseSparkSettingsSchema>;
