/** One stage of one run, as the Spark job (`pipelines/spark/mm_spark.py`) takes it, wherever Spark runs. */
export interface SparkStageRequest {
  /** `prepare` writes the prepared lake with mm prepare's rules (pipelines/spark/mm_prepare.py). */
  stage: 'prepare' | 'train' | 'score';
  runId: string;
  /** Dataset config and environment, relative to the app root on the cluster (they travel in the app bundle). */
  config: string;
  env: string;
  /** Planned covariates for the horizon (score), as a path the cluster reads. */
  futurePath?: string;
  /** Prod models to score with, as a path the cluster reads; default `<lake>/registry/prod`. */
  modelsDir?: string;
  /** Leave registration to the caller (the stage on the agent registers in the AML dev registry). */
  noRegister?: boolean;
  /** The dataset's folder in the lake (`datasets/<name>`), when the lake is shared by datasets. */
  lakeFolder?: string;
  /** Prepare: hash buckets (default: the count mm prepare picks for the prepared rows). */
  buckets?: number;
}

/** Where the job finds the lake, Node and the app on the cluster's machines. */
export interface SparkPlacement {
  /** The lake as a path on every machine (a Unity Catalog volume, a Synapse mount), or `mount` for Synapse. */
  lake?: string;
  /** Synapse: the lake's abfss:// URL; the driver mounts it with mssparkutils and uses the mount's path. */
  mount?: string;
  /** Synapse: the linked service the mount signs in with (the workspace managed identity's). */
  linkedService?: string;
  node: string;
  appRoot: string;
}

/** The command-line arguments of `mm_spark.py` for a stage (the same script runs locally and on both services). */
export function sparkJobArgs(request: SparkStageRequest, placement: SparkPlacement): string[] {
  const args = [request.stage, '--run', request.runId, '--config', request.config, '--env', request.env];
  if (placement.lake) args.push('--lake', placement.lake);
  if (placement.mount) args.push('--mount', placement.mount);
  if (placement.linkedService) args.push('--linked-service', placement.linkedService);
  args.push('--node', placement.node, '--app-root', placement.appRoot);
  if (request.futurePath) args.push('--future', request.futurePath);
  if (request.modelsDir) args.push('--models-dir', request.modelsDir);
  if (request.noRegister) args.push('--no-register');
  if (request.buckets !== undefined) args.push('--buckets', String(request.buckets));
  if (request.lakeFolder) args.push('--lake-folder', request.lakeFolder);
  return args;
}

/** Spark job names: the run id is unique per run; the stage tells train and score apart. */
export function sparkJobName(request: Pick<SparkStageRequest, 'stage' | 'runId'>): string {
  return `mm-${request.stage}-${request.runId}`;
}
