import { z } from 'zod';
import { databricksSettingsSchema, synapseSparkSettingsSchema } from '../compute/spark-settings.ts';
import { CANDIDATES, DEFAULT_SEASON_LENGTH, FREQUENCIES } from '../core/vocabulary.ts';
import { horizonError } from './horizon.ts';
import { DATASET_NAME } from './namespace.ts';

const columnName = z.string().min(1, 'a column name cannot be empty');

export const datasetSchema = z.strictObject({
  /**
   * The dataset's namespace: its own folder `datasets/<name>/` under the environment's storage root (prepared lake,
   * runs, registries, predictions, reports). Defaults to the config file's base name (configs/demo.yaml -> demo).
   */
  name: z
    .string()
    .regex(DATASET_NAME, 'a dataset name is 1-64 of a-z, 0-9, - and _, starting with a letter or digit')
    .optional(),
  /** CSV or Parquet file (or glob); relative paths resolve against the config file's folder. */
  path: z.string().min(1),
  format: z.enum(['csv', 'parquet']).optional(),
  partitionBy: z.array(columnName).min(1, 'name at least one partition column'),
  time: columnName,
  target: columnName,
  frequency: z.enum(FREQUENCIES),
  features: z.array(columnName).default([]),
});

export const forecastSchema = z.strictObject({
  horizon: z.number().int().positive(),
  holdout: z.number().int().positive(),
  seasonLength: z.number().int().min(1).optional(),
  candidates: z
    .array(z.enum(CANDIDATES))
    .min(1)
    .default([...CANDIDATES]),
  selectionMetric: z.enum(['wape', 'mase', 'smape', 'rmse']).default('wape'),
  /** Series shorter than holdout + minTrainPoints are skipped with a reason, never silently. */
  minTrainPoints: z.number().int().min(1).default(8),
  /**
   * Rolling-origin backtest windows (each `holdout` long, the last one is the holdout) that selection averages
   * over; one window picks noise. Windows without minTrainPoints of history before them are left out. Each window
   * costs a fit of every candidate, so the default is 1 (the engine's CPU budget); 3 is the choice on real data.
   */
  backtestWindows: z.number().int().min(1).max(12).default(1),
  /** How many of the best candidates the `combo` candidate averages. */
  combineTop: z.number().int().min(2).max(5).default(3),
  /**
   * Which candidates the combination draws its members from: `all` (the best `combineTop` of every candidate, the
   * benchmarks included) or `models` (the benchmarks naive, seasonal_naive and mean left out, as long as two
   * other candidates forecast).
   */
  combineFrom: z.enum(['all', 'models']).default('all'),
  /**
   * A single candidate is chosen over the combination only when its pooled backtest score beats the combination's
   * by more than this share (0.1 = 10 %); 0 picks the plain best score. On one short window the best single
   * score is mostly luck, and a combination is the robust default (measured in bench/results/accuracy.md).
   */
  comboMargin: z.number().min(0).max(1).default(0),
  /**
   * Whether ridge and arx fit a linear trend column (and extrapolate it over the horizon). On a year or two of
   * weekly retail data a fitted slope is mostly noise that the forecast then carries forward.
   */
  trend: z.boolean().default(true),
  /** Central prediction interval levels every forecast carries (0.8 = the 10 % and 90 % quantiles). */
  intervals: z.array(z.number().gt(0).lt(1)).min(1).default([0.8, 0.95]),
});

export const validationSchema = z.strictObject({
  /** Share of missing periods (gaps) in a series above which the partition fails validation. */
  maxGapShare: z.number().min(0).max(1).default(0.2),
  allowNegativeTarget: z.boolean().default(false),
});

export const engineSchema = z.strictObject({
  /** Worker threads; 0 means one per available core. */
  workers: z.number().int().min(0).default(0),
  batchSize: z.number().int().positive().default(64),
  /** The run fails when more than this share of partitions fail (0.05 = 5 %). */
  maxFailedShare: z.number().min(0).max(1).default(0.05),
});

export const promotionSchema = z.strictObject({
  metric: z.enum(['wape', 'mase', 'smape', 'rmse']).default('wape'),
  /** Absolute bar on the holdout metric; null (the default) switches it off. */
  maxMetric: z.number().positive().nullable().default(null),
  mustBeatBaseline: z.boolean().default(true),
  /**
   * Relative improvement over the baseline required to promote (0.05 = 5 % better). The candidate was picked as
   * the best of several on this very holdout, so a tiny win is expected even on noise and proves nothing.
   */
  baselineMargin: z.number().min(0).max(1).default(0.05),
  /** Relative improvement over the prod champion required to replace it (0.02 = 2 % better). */
  championMargin: z.number().min(0).max(1).default(0.02),
  /** Minimum number of observations in the partition's history. */
  minHistory: z.number().int().min(0).default(26),
});

export const storageSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('local'),
    root: z.string().min(1),
    /** On a cluster, where `root` is the mount of a dataset's folder of the Azure lake: that folder (cluster.ts). */
    prefix: z
      .string()
      .regex(/^datasets\/[a-z0-9][a-z0-9_-]{0,63}$/)
      .optional(),
  }),
  z.strictObject({
    kind: z.literal('azure'),
    /** ADLS Gen2 account blob endpoint, e.g. https://mmdevlake.blob.core.windows.net */
    accountUrl: z.url(),
    /** Blob container (ADLS Gen2 filesystem) holding the lake; the Pulumi program creates it. */
    container: z
      .string()
      .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a container name is 3-63 of a-z, 0-9 and single -')
      .default('lake'),
    /** Local working folder for DuckDB and workers; the lake is synced to and from it. */
    cacheRoot: z.string().min(1).default('.mm/cache'),
    /**
     * The dataset's folder in the container, `datasets/<dataset.name>`: set by loadConfig (src/config/namespace.ts),
     * never written in a file; every lake path is built from it in src/lake/dataset-lake.ts.
     */
    prefix: z
      .string()
      .regex(/^datasets\/[a-z0-9][a-z0-9_-]{0,63}$/)
      .optional(),
    /**
     * The lake trained candidates come from, when it is not this one: in the prod environment, the dev lake. The
     * promotion stage reads the run (`runs/<id>`) and the prepared data from it and publishes both to this lake,
     * so every prod stage after it reads only prod (docs/azure.md, "Stages, environments and identities").
     */
    candidates: z
      .strictObject({ accountUrl: z.url(), container: z.string().min(1).default('lake') })
      .optional(),
  }),
]);

export const registrySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({
    kind: z.literal('azureml'),
    subscriptionId: z.string().min(1),
    resourceGroup: z.string().min(1),
    devWorkspace: z.string().min(1),
    prodWorkspace: z.string().min(1),
    /** Resource group of the prod workspace when it differs from the dev one. */
    prodResourceGroup: z.string().min(1).optional(),
  }),
]);

/**
 * Knobs of the Azure ML parallel step (pipelines/*-pipeline.yml; docs/azure.md "Knobs"). A mini-batch is one
 * bucket; the timeout is per mini-batch and should be a few times a bucket's measured training time.
 */
export const parallelSchema = z.strictObject({
  /** max_concurrency_per_instance: worker processes per node, each with its own engine host. */
  processesPerNode: z.number().int().min(1).default(2),
  /** retry_settings.max_retries: tries of a failed or timed-out mini-batch. */
  maxRetries: z.number().int().min(1).default(3),
  /** retry_settings.timeout: seconds one run(mini_batch) may take. */
  timeoutSeconds: z.number().int().min(1).max(259_200).default(1800),
  /** mini_batch_error_threshold: failed mini-batches (buckets) tolerated; -1 tolerates all. */
  miniBatchErrorThreshold: z.number().int().min(-1).default(0),
  /** error_threshold: failed items (bucket files) tolerated; -1 tolerates all. */
  errorThreshold: z.number().int().min(-1).default(0),
  loggingLevel: z.enum(['INFO', 'WARNING', 'DEBUG']).default('INFO'),
});

/** Where partitions are trained and scored when the lake is in Azure; see src/compute and ARCHITECTURE.md. */
export const COMPUTE_ENGINES = ['aml', 'databricks', 'synapse-spark'] as const;

const amlComputeSchema = z.strictObject({
  engine: z.literal('aml'),
  cluster: z.string().min(1),
  instanceCount: z.number().int().min(1).default(1),
  image: z.string().min(1).optional(),
  parallel: parallelSchema.default(parallelSchema.parse({})),
  /**
   * Client id of the user-assigned identity the cluster's jobs act as. A cluster carries several identities
   * (dataprep and training, or dataprep and scoring), so jobs pass it as AZURE_CLIENT_ID to DefaultAzureCredential.
   */
  identityClientId: z.string().min(1).optional(),
});

/** `compute.engine` defaults to `aml`, so environment files written before the Spark engines stay valid. */
export const computeSchema = z.preprocess(
  (value) =>
    value && typeof value === 'object' && !('engine' in value) ? { ...value, engine: 'aml' } : value,
  z.discriminatedUnion('engine', [
    amlComputeSchema,
    z.strictObject({ engine: z.literal('databricks'), databricks: databricksSettingsSchema }),
    z.strictObject({ engine: z.literal('synapse-spark'), synapseSpark: synapseSparkSettingsSchema }),
  ]),
);

export const synapseSchema = z.strictObject({
  /** Serverless SQL endpoint, e.g. mm-prod-syn-ondemand.sql.azuresynapse.net */
  server: z.string().min(1),
  database: z.string().min(1).default('manymodels'),
});

export const configSchema = z
  .strictObject({
    environment: z.string().min(1).default('local'),
    dataset: datasetSchema,
    forecast: forecastSchema,
    validation: validationSchema.default(validationSchema.parse({})),
    engine: engineSchema.default(engineSchema.parse({})),
    promotion: promotionSchema.default(promotionSchema.parse({})),
    storage: storageSchema.default({ kind: 'local', root: '.mm/local' }),
    registry: registrySchema.default({ kind: 'local' }),
    compute: computeSchema.optional(),
    synapse: synapseSchema.optional(),
  })
  .superRefine((config, ctx) => {
    const issue = horizonError(config.forecast.horizon, config.dataset.frequency);
    if (issue) ctx.addIssue({ code: 'custom', path: ['forecast', 'horizon'], message: issue });
  });

export type DatasetConfig = z.infer<typeof datasetSchema>;
export type ForecastConfig = z.infer<typeof forecastSchema>;
export type ValidationConfig = z.infer<typeof validationSchema>;
export type EngineConfig = z.infer<typeof engineSchema>;
export type PromotionConfig = z.infer<typeof promotionSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
export type RegistryConfig = z.infer<typeof registrySchema>;
export type ParallelKnobs = z.infer<typeof parallelSchema>;
export type Config = z.infer<typeof configSchema>;

export function seasonLengthOf(config: Pick<Config, 'dataset' | 'forecast'>): number {
  return config.forecast.seasonLength ?? DEFAULT_SEASON_LENGTH[config.dataset.frequency];
}
