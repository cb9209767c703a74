import type { JobBase } from '@azure/arm-machinelearning';
import { z } from 'zod';
import { ConfigError, describeZodIssues } from '../config/errors.ts';
import { readYamlFile } from '../config/load.ts';
import { type AmlWorkspaceRef, armId } from './aml-client.ts';

/**
 * The AML CLI v2 command-job YAML in `pipelines/` (the subset this project uses), so the same file serves
 * `az ml job create -f pipelines/train.yml` and `submitJob()`: one definition of what runs on the cluster.
 */
const MODES = ['ro_mount', 'rw_mount', 'download', 'upload', 'direct'] as const;
const REST_MODE: Record<(typeof MODES)[number], string> = {
  ro_mount: 'ReadOnlyMount',
  rw_mount: 'ReadWriteMount',
  download: 'Download',
  upload: 'Upload',
  direct: 'Direct',
};

const pathInput = z.strictObject({
  type: z.literal('uri_folder'),
  path: z.string().startsWith('azureml://', 'a path is an azureml:// datastore URI'),
  mode: z.enum(MODES).default('ro_mount'),
});

const literal = z.union([z.string(), z.number(), z.boolean()]);

export const commandJobSchema = z.strictObject({
  $schema: z.string().optional(),
  type: z.literal('command'),
  display_name: z.string().min(1).optional(),
  experiment_name: z.string().min(1).default('many-models'),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
  command: z.string().min(1),
  compute: z.string().startsWith('azureml:', "compute is 'azureml:<cluster>'"),
  /**
   * Optional: submission sets the environment version registered from compute.image. When given, it is pinned:
   * '@latest' resolves at submit time to whatever was registered last, not to the image of this code.
   */
  environment: z
    .string()
    .regex(/^azureml:[\w.-]+:[\w.-]+$/, "environment is pinned: 'azureml:<name>:<version>', never '@latest'")
    .optional(),
  environment_variables: z.record(z.string(), z.string()).default({}),
  resources: z
    .strictObject({ instance_count: z.number().int().min(1).default(1) })
    .default({ instance_count: 1 }),
  distribution: z
    .strictObject({
      type: z.literal('pytorch'),
      process_count_per_instance: z.number().int().min(1).default(1),
    })
    .optional(),
  limits: z.strictObject({ timeout: z.number().int().positive() }).optional(),
  inputs: z.record(z.string(), z.union([literal, pathInput])).default({}),
  outputs: z.record(z.string(), pathInput.extend({ mode: z.enum(MODES).default('rw_mount') })).default({}),
});

export type CommandJobSpec = z.infer<typeof commandJobSchema>;

export function parseJobSpec(raw: unknown, source: string): CommandJobSpec {
  const result = commandJobSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, describeZodIssues(result.error));
  const spec = result.data;
  // Every ${{inputs.x}} / ${{outputs.x}} the command uses must be declared, or AML rejects the job at submit.
  const problems: string[] = [];
  for (const match of spec.command.matchAll(/\$\{\{\s*(inputs|outputs)\.([\w-]+)\s*\}\}/g)) {
    const [, kind, name] = match;
    const declared = kind === 'inputs' ? spec.inputs : spec.outputs;
    if (!name || !(name in declared))
      problems.push(`command: uses \${{${kind}.${name}}} but ${kind} has no '${name}'`);
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return spec;
}

export function loadJobSpec(file: string): CommandJobSpec {
  return parseJobSpec(readYamlFile(file), file);
}

/** What `submitJob` may change per submission; everything else comes from the YAML. */
export interface JobOverrides {
  compute?: string;
  instanceCount?: number;
  /** ARM id of the environment version (from `ensureEnvironment`); else the YAML's pinned `name:version`. */
  environmentId?: string;
  /** Literal input values, e.g. { run_id: 'r-2026-01-05', env: 'dev' }. */
  inputs?: Record<string, string>;
  experimentName?: string;
  displayName?: string;
  tags?: Record<string, string>;
  /** Added to the YAML's environment_variables (e.g. AZURE_CLIENT_ID: which identity the nodes act as). */
  environmentVariables?: Record<string, string>;
}

function environmentIdOf(spec: CommandJobSpec, ref: AmlWorkspaceRef, override?: string): string {
  if (override) return override;
  const pinned = spec.environment ? /^azureml:([\w.-]+):([\w.-]+)$/.exec(spec.environment) : null;
  if (!pinned?.[1] || !pinned[2]) {
    throw new ConfigError('environment', [
      'the job names no environment version: set compute.image in environments/<env>.yaml (the image of this ' +
        "code is then registered as a pinned environment version) or write 'azureml:<name>:<version>'",
    ]);
  }
  return armId(ref, 'environments', pinned[1], 'versions', pinned[2]);
}

/** The REST body (Jobs_CreateOrUpdate, api 2022-10-01) for a command job spec, with this submission's overrides. */
export function toCommandJobBody(
  spec: CommandJobSpec,
  ref: AmlWorkspaceRef,
  overrides: JobOverrides = {},
): JobBase {
  const inputs: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(spec.inputs)) {
    if (typeof value === 'object') {
      inputs[name] = { jobInputType: 'uri_folder', uri: value.path, mode: REST_MODE[value.mode] };
    } else {
      inputs[name] = { jobInputType: 'literal', value: overrides.inputs?.[name] ?? String(value) };
    }
  }
  for (const name of Object.keys(overrides.inputs ?? {})) {
    if (!(name in spec.inputs)) throw new ConfigError('inputs', [`the job spec declares no input '${name}'`]);
  }
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(spec.outputs)) {
    outputs[name] = { jobOutputType: 'uri_folder', uri: value.path, mode: REST_MODE[value.mode] };
  }
  const compute = overrides.compute ?? spec.compute.slice('azureml:'.length);
  const properties = {
    jobType: 'Command' as const,
    displayName: overrides.displayName ?? spec.display_name,
    experimentName: overrides.experimentName ?? spec.experiment_name,
    description: spec.description,
    tags: { ...spec.tags, ...overrides.tags },
    computeId: armId(ref, 'computes', compute),
    environmentId: environmentIdOf(spec, ref, overrides.environmentId),
    command: spec.command,
    environmentVariables: { ...spec.environment_variables, ...overrides.environmentVariables },
    inputs,
    outputs,
    resources: { instanceCount: overrides.instanceCount ?? spec.resources.instance_count },
    distribution: spec.distribution
      ? {
          distributionType: 'PyTorch' as const,
          processCountPerInstance: spec.distribution.process_count_per_instance,
        }
      : undefined,
    limits: spec.limits
      ? { jobLimitsType: 'Command' as const, timeout: `PT${spec.limits.timeout}S` }
      : undefined,
  };
  return { properties } as JobBase;
}
