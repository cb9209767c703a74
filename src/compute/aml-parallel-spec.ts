import { readYamlFile } from '../config/load.ts';
import type { ParallelKnobs } from '../config/schema.ts';

type Json = Record<string, unknown>;

/** The pipeline job YAML (pipelines/train-pipeline.yml or score-pipeline.yml) as a plain object. */
export type PipelineJobSpec = Json & { type: 'pipeline'; jobs: Record<string, Json> };

export function loadPipelineSpec(file: string): PipelineJobSpec {
  const spec = readYamlFile(file) as PipelineJobSpec;
  if (spec.type !== 'pipeline' || typeof spec.jobs !== 'object')
    throw new Error(`${file} is not a pipeline job (type: pipeline with jobs)`);
  return spec;
}

/**
 * The pipeline with the environment's knobs on its parallel step: nodes, processes per node, retries, timeout,
 * thresholds and logging (the keys of https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-parallel;
 * the item threshold is also the program argument --error_threshold, "Predefined arguments for parallel job").
 */
export function withParallelKnobs(
  spec: PipelineJobSpec,
  knobs: ParallelKnobs & { instanceCount: number; cluster?: string },
): PipelineJobSpec {
  const jobs: Record<string, Json> = {};
  for (const [name, step] of Object.entries(spec.jobs)) {
    if (step.type !== 'parallel') {
      jobs[name] = step;
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
      task: { ...task, program_arguments: `${args} --error_threshold ${knobs.errorThreshold}` },
    };
  }
  const settings = {
    ...(spec.settings as Json),
    ...(knobs.cluster ? { default_compute: `azureml:${knobs.cluster}` } : {}),
  };
  return { ...spec, settings, jobs };
}
