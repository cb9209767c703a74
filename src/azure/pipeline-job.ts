import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobBase } from '@azure/arm-machinelearning';
import type { PipelineService } from '../compute/aml-parallel.ts';
import type { PipelineJobSpec } from '../compute/aml-parallel-spec.ts';
import type { BlobStore } from '../storage/types.ts';
import { type AmlWorkspaceRef, armId, callOptions, createAmlClient, workspaceLabel } from './aml-client.ts';
import { armPut } from './arm-raw.ts';
import type { JobTarget } from './environment-version.ts';
import { azureCall, isNotFound } from './errors.ts';

/**
 * A CLI v2 pipeline job submitted through ARM, the way `az ml job create -f` does it (azure-ai-ml): the entry
 * script's folder becomes a code version, each step an anonymous component version, and the pipeline job
 * (jobType Pipeline) names them by ARM id. The node and component shapes are azure-ai-ml's own REST conversion of
 * the YAML (`PipelineJob._to_rest_object()`), which test/azure/pipeline-job.test.ts compares them with.
 */
type Json = Record<string, unknown>;

// The REST API's delivery modes, InputDeliveryMode (ReadOnlyMount, ReadWriteMount, Download, Direct, ...) and
// OutputDeliveryMode (ReadWriteMount, Upload, Direct) of the Microsoft.MachineLearningServices spec, as generated
// into azure-ai-ml (azure/ai/ml/_restclient/arm_ml_service/models/_enums.py); YAML spells them ro_mount, upload, ...
const REST_MODE: Record<string, string> = {
  ro_mount: 'ReadOnlyMount',
  rw_mount: 'ReadWriteMount',
  download: 'Download',
  upload: 'Upload',
  direct: 'Direct',
};
const PARENT_INPUT = /^\$\{\{\s*parent\.inputs\.(\w+)\s*\}\}$/;
const PARENT_OUTPUT = /^\$\{\{\s*parent\.jobs\.(\w+)\.outputs\.(\w+)\s*\}\}$/;
/** Step keys that belong to the node (and its component), not to inputs/outputs or the type. */
const PARALLEL_KEYS = [
  'resources',
  'error_threshold',
  'mini_batch_error_threshold',
  'max_concurrency_per_instance',
  'retry_settings',
  'logging_level',
  'input_data',
] as const;

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The type (and mode) of each step input, from the pipeline input or step output it is bound to. */
function componentInputs(spec: PipelineJobSpec, step: Json): Json {
  const inputs: Json = {};
  for (const [name, value] of Object.entries((step.inputs as Json) ?? {})) {
    const text = String(value);
    const parent = PARENT_INPUT.exec(text);
    const upstream = PARENT_OUTPUT.exec(text);
    if (parent) {
      const declared = (spec.inputs as Json | undefined)?.[parent[1]!];
      inputs[name] =
        typeof declared === 'object' && declared !== null
          ? { type: (declared as Json).type, mode: (declared as Json).mode ?? 'ro_mount' }
          : { type: 'string' };
    } else if (upstream) {
      const output = ((spec.jobs[upstream[1]!]?.outputs as Json | undefined)?.[upstream[2]!] ?? {}) as Json;
      inputs[name] = { type: output.type ?? 'uri_folder' };
    } else {
      inputs[name] = { type: 'string' };
    }
  }
  return inputs;
}

/** The anonymous component of one step, as azure-ai-ml derives it from the YAML, with code and environment resolved. */
export function componentSpecOf(
  spec: PipelineJobSpec,
  stepName: string,
  resolved: { codeId?: string; environmentId: string; version: string },
): Json {
  const step = spec.jobs[stepName]!;
  const outputs: Json = {};
  for (const [name, value] of Object.entries((step.outputs as Json) ?? {})) {
    const output = value as Json;
    outputs[name] = { type: output.type ?? 'uri_folder', mode: output.mode ?? 'rw_mount' };
  }
  const component: Json = {
    name: `mm_${stepName}`,
    version: resolved.version,
    type: step.type,
    inputs: componentInputs(spec, step),
    ...(step.outputs ? { outputs } : {}),
    is_deterministic: true,
  };
  if (step.type === 'parallel') {
    for (const key of PARALLEL_KEYS) if (step[key] !== undefined) component[key] = step[key];
    component.mini_batch_size = String(step.mini_batch_size ?? '1');
    const task = step.task as Json;
    component.task = {
      ...task,
      ...(resolved.codeId ? { code: resolved.codeId } : {}),
      environment: resolved.environmentId,
    };
  } else {
    component.command = step.command;
    component.environment = resolved.environmentId;
  }
  return component;
}

/** One pipeline node: the step's bindings and run settings, its component by ARM id. */
export function pipelineNodeOf(
  spec: PipelineJobSpec,
  stepName: string,
  componentId: string,
  codeId?: string,
): Json {
  const step = spec.jobs[stepName]!;
  const inputs: Json = {};
  for (const [name, value] of Object.entries((step.inputs as Json) ?? {}))
    inputs[name] = { value: String(value), job_input_type: 'literal' };
  const outputs: Json = {};
  for (const [name, value] of Object.entries((step.outputs as Json) ?? {})) {
    const output = value as Json;
    outputs[name] = {
      ...(output.path ? { uri: output.path } : {}),
      mode: REST_MODE[String(output.mode ?? 'rw_mount')],
      job_output_type: output.type ?? 'uri_folder',
    };
  }
  const node: Json = {
    type: step.type,
    name: stepName,
    inputs,
    ...(step.outputs ? { outputs } : {}),
    componentId,
    ...(step.environment_variables ? { environment_variables: step.environment_variables } : {}),
  };
  if (step.type === 'parallel') {
    for (const key of PARALLEL_KEYS) if (step[key] !== undefined) node[key] = step[key];
    node.task = { ...(step.task as Json), ...(codeId ? { code: codeId } : {}) };
    node.mini_batch_size = Number(step.mini_batch_size ?? '1');
  }
  return node;
}

/** The Jobs_CreateOrUpdate body of the pipeline (jobType Pipeline), with this submission's input values. */
export function toPipelineJobBody(
  spec: PipelineJobSpec,
  ref: AmlWorkspaceRef,
  options: {
    componentIds: Record<string, string>;
    /** ARM id of each parallel step's uploaded code. */
    codeIds?: Record<string, string>;
    inputs: Record<string, string>;
    compute: string;
    tags?: Record<string, string>;
  },
): JobBase {
  const inputs: Json = {};
  for (const [name, value] of Object.entries((spec.inputs as Json) ?? {})) {
    if (typeof value === 'object' && value !== null) {
      const data = value as Json;
      inputs[name] = {
        uri: data.path,
        mode: REST_MODE[String(data.mode ?? 'ro_mount')],
        jobInputType: data.type,
      };
    } else {
      inputs[name] = { value: options.inputs[name] ?? String(value), jobInputType: 'literal' };
    }
  }
  const jobs: Json = {};
  for (const name of Object.keys(spec.jobs))
    jobs[name] = pipelineNodeOf(spec, name, options.componentIds[name]!);
  const settings = (spec.settings as Json | undefined) ?? {};
  const properties = {
    jobType: 'Pipeline',
    displayName: spec.display_name,
    experimentName: spec.experiment_name,
    description: spec.description,
    tags: { ...(spec.tags as Record<string, string> | undefined), ...options.tags },
    inputs,
    outputs: {},
    settings: { ...settings, default_compute: armId(ref, 'computes', options.compute) },
    jobs,
  };
  return { properties } as unknown as JobBase;
}

async function codeFiles(dir: string): Promise<string[]> {
  // .amlignore in the code folder: tests and caches are not shipped.
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter(
      (e) =>
        e.isFile() &&
        !e.name.startsWith('test_') &&
        !e.name.startsWith('.') &&
        !e.parentPath.includes('__pycache__'),
    )
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

export interface ArmPipelineServiceOptions extends JobTarget {
  /** The lake, where code snapshots go (`code/<hash>/`), and its blob URL (`https://<account>.blob.core.windows.net/<container>`). */
  lake: BlobStore;
  lakeUrl: string;
  /** ARM id of the environment version every step runs in (ensureEnvironment: the pinned runtime image). */
  environmentId: string;
  compute: string;
  tags?: Record<string, string>;
}

const ROLE = 'AzureML Data Scientist';

/** Submits pipeline jobs to an Azure ML workspace and reads their status. */
export function armPipelineService(options: ArmPipelineServiceOptions): PipelineService {
  const ref = options.workspace;
  const client = options.client ?? createAmlClient(ref.subscriptionId, options);
  const call = <T>(resource: string, operation: string, fn: () => Promise<T>) =>
    azureCall(
      { service: 'arm', resource: `${resource} in ${workspaceLabel(ref)}`, operation, role: ROLE },
      fn,
    );

  const putCode = async (dir: string): Promise<string> => {
    const files = await codeFiles(dir);
    const contents = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
    const version = shortHash(
      files.map((f, i) => `${f}\n${shortHash(contents[i]!.toString('base64'))}`).join('\n'),
    );
    for (const [i, f] of files.entries()) await options.lake.put(`code/${version}/${f}`, contents[i]!);
    const id = armId(ref, 'codes', 'mm-parallel-entry', 'versions', version);
    await call(`code mm-parallel-entry:${version}`, 'register code', () =>
      armPut(
        client,
        id,
        { properties: { codeUri: `${options.lakeUrl}/code/${version}` } },
        callOptions(options),
      ),
    );
    return id;
  };

  const environment = /\/environments\/([^/]+)\/versions\/([^/]+)$/.exec(options.environmentId);
  return {
    ...(environment ? { environment: `azureml:${environment[1]}:${environment[2]}` } : {}),
    async submit(job) {
      const componentIds: Record<string, string> = {};
      const codeIds: Record<string, string> = {};
      for (const [stepName, step] of Object.entries(job.spec.jobs)) {
        const code = (step.task as Json | undefined)?.code;
        const codeId =
          typeof code === 'string'
            ? await putCode(path.resolve(path.dirname(job.specFile), code))
            : undefined;
        const draft = componentSpecOf(job.spec, stepName, {
          ...(codeId ? { codeId } : {}),
          environmentId: options.environmentId,
          version: '0',
        });
        const version = shortHash(JSON.stringify(draft));
        const componentSpec = { ...draft, version };
        const id = armId(ref, 'components', `mm_${stepName}`, 'versions', version);
        await call(`component mm_${stepName}:${version}`, 'register component', () =>
          armPut(client, id, { properties: { componentSpec, isAnonymous: true } }, callOptions(options)),
        );
        componentIds[stepName] = id;
        if (codeId) codeIds[stepName] = codeId;
      }
      const body = toPipelineJobBody(job.spec, ref, {
        componentIds,
        codeIds,
        inputs: job.inputs,
        compute: options.compute,
        ...(options.tags ? { tags: options.tags } : {}),
      });
      await call(`job ${job.name}`, 'submit pipeline job', () =>
        armPut<JobBase>(client, armId(ref, 'jobs', job.name), body, callOptions(options)),
      );
    },
    async status(name) {
      const job = await call(`job ${name}`, 'read job status', async () => {
        try {
          return await client.jobs.get(ref.resourceGroup, ref.workspace, name, callOptions(options));
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      });
      return job ? (job.properties.status ?? 'Unknown') : undefined;
    },
  };
}
