import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { PipelineService } from '../../../src/compute/aml-parallel.ts';
import { type PipelineRunOptions, type PipelineRunResult, runPipelineJob } from './pipeline.ts';

/**
 * The twin's Azure ML as a `PipelineService`: a submitted pipeline job really runs here (./pipeline.ts, its
 * parallel step on ./runner.ts), and its status reads as Jobs_Get would: Running until it ends, then Completed
 * or Failed. Job names are unique, as in a workspace: a second submission under one name is refused.
 * Sources: the Jobs_CreateOrUpdate and Jobs_Get operations of the machinelearningservices REST specification
 * (Azure/azure-rest-api-specs, specification/machinelearningservices/resource-manager; JobStatus values), as the
 * spec-derived ARM twin in ../jobs-state.ts applies them; the pipeline job YAML reference,
 * https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-pipeline.
 */
export function twinPipelineService(
  options: Omit<PipelineRunOptions, 'file' | 'inputs' | 'workDir'> & {
    beforeRun?: (name: string) => Promise<void> | void;
    /** The environment version the service registered for the submitter (`azureml:<name>:<version>`). */
    environment?: string;
  },
) {
  const jobs = new Map<string, { status: string; done: Promise<PipelineRunResult> }>();
  const service: PipelineService = {
    ...(options.environment ? { environment: options.environment } : {}),
    async submit(job) {
      if (jobs.has(job.name)) throw new Error(`a job named ${job.name} exists in the workspace`);
      // Every step runs in a named environment: `task.environment` of a parallel step and `environment` of a
      // command step are required (reference-yaml-job-parallel, reference-yaml-job-command; azure-ai-ml's
      // load_job answers "Missing data for required field" for jobs.<step>.task.environment).
      for (const [step, spec] of Object.entries(job.spec.jobs)) {
        const named =
          spec.type === 'parallel' ? (spec.task as { environment?: unknown })?.environment : spec.environment;
        if (typeof named !== 'string' || !named)
          throw new Error(`UserError: jobs.${step} names no environment`);
      }
      const workDir = await mkdtemp(path.join(tmpdir(), `mm-twin-${job.name}-`));
      // The submitted spec, next to its code folder, as the service would snapshot it.
      const file = path.join(path.dirname(job.specFile), `.submitted-${job.name}.yml`);
      await writeFile(file, stringify(job.spec));
      const entry = { status: 'Running', done: Promise.resolve() as unknown as Promise<PipelineRunResult> };
      entry.done = (async () => {
        await options.beforeRun?.(job.name);
        const result = await runPipelineJob({ ...options, file, inputs: job.inputs, workDir });
        entry.status = result.status;
        return result;
      })().catch((error: unknown) => {
        entry.status = 'Failed';
        throw error;
      });
      entry.done.catch(() => {});
      jobs.set(job.name, entry);
    },
    async status(name) {
      // Jobs_Get answers 404 for a name the workspace does not have.
      return jobs.get(name)?.status;
    },
  };
  return { service, jobs };
}
