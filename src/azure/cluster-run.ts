import path from 'node:path';
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import { assertRunId } from '../core/run-id.ts';
import type { Stage } from '../registry/types.ts';
import { codeVersion } from '../util/code-version.ts';
import type { AmlClientOptions } from './aml-client.ts';
import { workspaceFor } from './aml-registry-for.ts';
import { loadJobSpec } from './job-spec.ts';
import { ensureEnvironment, type SubmittedJob, submitAttempt, type WaitOptions, waitForJob } from './jobs.ts';
import { pinnedRuntimeImage } from './runtime-image.ts';

/** The job specs in pipelines/: one per stage that runs on the cluster. */
export const CLUSTER_STAGES = ['train', 'train-merge', 'score'] as const;
export type ClusterStage = (typeof CLUSTER_STAGES)[number];

export interface ClusterStageOptions extends AmlClientOptions {
  config: Config;
  stage: ClusterStage;
  runId: string;
  /** The dataset config as the image sees it (relative to /app), e.g. configs/demo.yaml. */
  configPath: string;
  /** The environment the nodes load (environments/<env>.yaml inside the image). */
  env: string;
  /** Workspace that runs the job; default: dev for training, prod for scoring. */
  workspace?: Stage;
  /** For train-merge: how many shards the train job ran (default: compute.instanceCount). */
  shards?: number;
  pipelinesDir?: string;
  /** Submit and return without waiting. */
  detach?: boolean;
  /** Extra job tags (e.g. the pipeline run that submitted it). */
  tags?: Record<string, string>;
  /** The version the runtime image is pinned to when compute.image names a repository only (default: this code's). */
  codeVersion?: string;
  wait?: Pick<WaitOptions, 'timeoutMs' | 'pollIntervalMs' | 'onStatus' | 'signal'>;
}

/**
 * Runs one stage as an Azure ML job on the environment's cluster: registers the runtime image (compute.image) as an
 * environment version, submits pipelines/<stage>.yml with this run's inputs and the configured node count, and
 * follows it to the end. Training on N nodes is `train` then `train-merge` with the same run id.
 */
export async function runStageOnCluster(
  options: ClusterStageOptions,
): Promise<{ job: SubmittedJob; status: string; durationMs?: number }> {
  const { config, stage } = options;
  assertRunId(options.runId);
  if (config.registry.kind !== 'azureml') {
    throw new ConfigError(`environments/${options.env}.yaml`, [
      `registry.kind: running '${stage}' on a cluster needs 'azureml' (the models live in the workspaces)`,
    ]);
  }
  if (config.compute?.engine !== 'aml' || !config.compute.image) {
    throw new ConfigError(`environments/${options.env}.yaml`, [
      `compute: running '${stage}' on a cluster needs compute.cluster, compute.instanceCount and compute.image`,
    ]);
  }
  const workspace = workspaceFor(config.registry, options.workspace ?? (stage === 'score' ? 'prod' : 'dev'));
  const target = { ...options, workspace };
  const spec = loadJobSpec(path.join(options.pipelinesDir ?? path.resolve('pipelines'), `${stage}.yml`));
  // The nodes run the image of this code, registered as a pinned environment version (never @latest).
  const image = pinnedRuntimeImage(
    config.compute.image,
    options.codeVersion ?? codeVersion(),
    `environments/${options.env}.yaml: compute.image`,
  );
  const environmentId = await ensureEnvironment({ ...target, image });
  const inputs: Record<string, string> = {
    config: options.configPath,
    env: options.env,
    run_id: options.runId,
  };
  if (stage === 'train-merge') inputs.shards = String(options.shards ?? config.compute.instanceCount);
  const { job } = await submitAttempt({
    ...target,
    stage,
    runId: options.runId,
    spec,
    overrides: {
      compute: config.compute.cluster,
      instanceCount: stage === 'train' ? config.compute.instanceCount : undefined,
      environmentId,
      inputs,
      tags: { ...options.tags, 'mm.run.id': options.runId, 'mm.environment': options.env },
      // The cluster carries several user-assigned identities: the nodes act as the one the environment names.
      environmentVariables: config.compute.identityClientId
        ? { AZURE_CLIENT_ID: config.compute.identityClientId }
        : undefined,
    },
  });
  if (options.detach) return { job, status: job.status };
  const outcome = await waitForJob({ ...target, ...options.wait, name: job.name });
  return { job, status: outcome.status, durationMs: outcome.durationMs };
}
