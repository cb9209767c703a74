import { readYamlFile } from '../config/load.ts';
import type { ParallelKnobs } from '../config/schema.ts';

type Json = Record<string, unknown>;

/** The pipeline job YAML (pipelines/train-pipeline.yml or score-pipeline.yml) as a plain object. */
export type PipelineJobSpec = Json & { type: 'pipeline'; jobs: Record<string, Json> };

export class PipelineSpecError extends Error {
  override readonly name = 'ValidationError';
}

/** `azureml:<name>:<version>`: a registered environment version, never `@latest` (whatever was registered last). */
const PINNED = /^azureml:[\w.-]+:[\w.-]+$/;

export function loadPipelineSpec(file: string): PipelineJobSpec {
  const spec = readYamlFile(file) as PipelineJobSpec;
  if (spec.type !== 'pipeline' || typeof spec.jobs !== 'object')
    throw new PipelineSpecError(`${file} is not a pipeline job (type: pipeline with jobs)`);
  for (const [name, step] of Object.entries(spec.jobs)) {
    const environment = environmentOf(step);
    if (environment !== undefined && !PINNED.test(environment))
      throw new PipelineSpecError(
        `${file}: jobs.${name} names the environment '${environment}', which is not pinned: leave it out ` +
          "(submission sets the version registered from compute.image) or write 'azureml:<name>:<version>'",
      );
  }
  return spec;
}

/** A parallel step names its environment in its task, a command step at its top. */
function environmentOf(step: Json): string | undefined {
  const value = step.type === 'parallel' ? (step.task as Json | undefined)?.environment : step.environment;
  return typeof value === 'string' ? value : undefined;
}

export interface SubmissionSettings extends ParallelKnobs {
  instanceCount: number;
  cluster?: string;
  /**
   * The environment version every step runs in, `azureml:<name>:<version>`: the runtime image of this code,
   * registered at submission (the YAMLs name none; a parallel task and a command step both require one).
   */
  environment?: string;
  /** Variables every step's processes get, e.g. AZURE_CLIENT_ID: which of the cluster's identities they act as. */
  environmentVariables?: Record<string, string>;
}

/**
 * The pipeline as submitted: the environment's knobs on its parallel step (nodes, processes per node, retries,
 * timeout, thresholds, logging: the keys of https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-parallel;
 * the item threshold is also the program argument --error_threshold, "Predefined arguments for parallel job"),
 * the pinned environment and the identity variables on every step.
 */
export function withParallelKnobs(spec: PipelineJobSpec, knobs: SubmissionSettings): PipelineJobSpec {
  const jobs: Record<string, Json> = {};
  const variables = (step: Json) =>
    knobs.environmentVariables
      ? {
          environment_variables: {
            ...(step.environment_variables as Json | undefined),
            ...knobs.environmentVariables,
          },
        }
      : {};
  const environment = knobs.environment;
  if (environment !== undefined && !PINNED.test(environment))
    throw new PipelineSpecError(
      `the environment '${environment}' is not a pinned 'azureml:<name>:<version>'`,
    );
  for (const [name, step] of Object.entries(spec.jobs)) {
    if (step.type !== 'parallel') {
      jobs[name] = { ...step, ...(environment ? { environment } : {}), ...variables(step) };
      continue;
    }
    const task = step.task as Json & { program_arguments?: string };
    const args = (task.program_arguments ?? '').replace(/--error_threshold\s+-?\d+/, '').trim();
    jobs[name] = {
      ...step,
      resources: { ...(step.resources as Json), instance_count: knobs.instanceCount },
      max_concurrency_per_instance: knobs.processesPerNode,
      mini_batch_error_threshold: knobs.miniBatchErrorThreshold,
      error_threshold: knobs.errorThreshold,
      retry_settings: { max_retries: knobs.maxRetries, timeout: knobs.timeoutSeconds },
      logging_level: knobs.loggingLevel,
      ...variables(step),
      task: {
        ...task,
        ...(environment ? { environment } : {}),
        program_arguments: `${args} --error_threshold ${knobs.errorThreshold}`,
      },
    };
  }
  const settings = {
    ...(spec.settings as Json),
    ...(knobs.cluster ? { default_compute: `azureml:${knobs.cluster}` } : {}),
  };
  return { ...spec, settings, jobs };
}
