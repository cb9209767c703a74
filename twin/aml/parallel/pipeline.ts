import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readYamlFile } from '../../../src/config/load.ts';
import { definedOnly, hostNodes, type Mount, type NodeRuntime } from './nodes.ts';
import { type ParallelEvent, type ParallelRunResult, type ParallelStep, runParallelStep } from './runner.ts';

/**
 * A CLI v2 pipeline job (the subset pipelines/*-pipeline.yml use) run on this machine: steps run in the order
 * their `${{parent.jobs.<step>.outputs.<name>}}` bindings require; a parallel step runs on ./runner.ts, a command
 * step in bash. Data paths `azureml://datastores/<ds>/paths/<p>` map to `<datastores[ds]>/<p>`; an output with no
 * path gets a folder of its own below `workDir`, as AML's default `{settings.datastore}/azureml/{job-name}/{output-name}/`
 * (https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-parallel, `outputs.<output_name>`).
 * `settings.continue_on_step_failure: false`: a failed step ends the pipeline
 * (https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-pipeline).
 */
interface DataBinding {
  type?: string;
  path?: string;
  mode?: string;
}
type Binding = string | number | boolean | DataBinding;

interface CommandStep {
  type: 'command';
  inputs?: Record<string, Binding>;
  outputs?: Record<string, DataBinding>;
  command: string;
  environment_variables?: Record<string, string>;
}

interface PipelineJob {
  type: 'pipeline';
  inputs?: Record<string, Binding>;
  jobs: Record<
    string,
    (ParallelStep & { inputs?: Record<string, Binding>; outputs?: Record<string, DataBinding> }) | CommandStep
  >;
}

export interface PipelineRunOptions {
  file: string;
  /** Values for the pipeline's inputs, as `--set inputs.<name>=` does. */
  inputs?: Record<string, string>;
  datastores: Record<string, string>;
  workDir: string;
  /** Where the steps' processes run (default: this host, with `python`). */
  nodes?: NodeRuntime;
  /** The parallel step's Python on host nodes (default: $MM_VENV's). */
  python?: string;
  /** The job's variables for every step's processes (on the host, PATH must find `mm`; see docs/azure.md). */
  env: NodeJS.ProcessEnv;
  onEvent?: (step: string, event: ParallelEvent) => void;
  onProcess?: Parameters<typeof runParallelStep>[0]['onProcess'];
}

export interface StepResult {
  status: 'Completed' | 'Failed';
  parallel?: ParallelRunResult;
  exitCode?: number;
  log: string;
}

export interface PipelineRunResult {
  status: 'Completed' | 'Failed';
  steps: Record<string, StepResult>;
}

const PARENT = /^\$\{\{\s*parent\.(inputs\.(\w+)|jobs\.(\w+)\.outputs\.(\w+))\s*\}\}$/;

function localPath(uri: string, datastores: Record<string, string>): string {
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri);
  if (!match) return uri;
  const root = datastores[match[1]!];
  if (!root) throw new Error(`datastore ${match[1]} is not mapped`);
  return path.join(root, match[2]!);
}

export async function runPipelineJob(options: PipelineRunOptions): Promise<PipelineRunResult> {
  const job = readYamlFile(options.file) as unknown as PipelineJob;
  const baseDir = path.dirname(options.file);
  const parentInputs = new Map<string, string>();
  for (const [name, value] of Object.entries(job.inputs ?? {})) {
    const given = options.inputs?.[name];
    parentInputs.set(
      name,
      given ?? (typeof value === 'object' ? localPath(value.path!, options.datastores) : String(value)),
    );
  }
  const stepOutputs = new Map<string, Map<string, string>>();
  const result: PipelineRunResult = { status: 'Completed', steps: {} };
  const pending = new Map(Object.entries(job.jobs));

  const bind = (value: Binding): string | undefined => {
    if (typeof value === 'object') return value.path ? localPath(value.path, options.datastores) : undefined;
    const match = PARENT.exec(String(value));
    if (!match) return String(value);
    if (match[2]) return parentInputs.get(match[2]);
    return stepOutputs.get(match[3]!)?.get(match[4]!);
  };
  const ready = (step: { inputs?: Record<string, Binding> }) =>
    Object.values(step.inputs ?? {}).every((v) => bind(v) !== undefined);
  // Data, not literals: a data binding, a pipeline input that is one, or another step's output.
  const isData = (value: Binding): boolean => {
    if (typeof value === 'object') return true;
    const match = PARENT.exec(String(value));
    if (!match) return false;
    return match[2] ? typeof job.inputs?.[match[2]] === 'object' : true;
  };
  const nodes = options.nodes ?? hostNodes(options.python ? { python: options.python } : {});
  const jobEnv = definedOnly(options.env);

  while (pending.size > 0) {
    const next = [...pending].find(([, step]) => ready(step));
    if (!next) throw new Error(`steps ${[...pending.keys()].join(', ')} wait on outputs no step produces`);
    const [name, step] = next;
    pending.delete(name);
    const inputs = Object.fromEntries(Object.entries(step.inputs ?? {}).map(([k, v]) => [k, bind(v)!]));
    const dataInputs = Object.entries(step.inputs ?? {})
      .filter(([, v]) => isData(v))
      .map(([k]) => k);
    const outputs: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.outputs ?? {})) {
      const folder = path.join(options.workDir, 'azureml', name, k);
      outputs[k] = v.path
        ? localPath(v.path, options.datastores)
        : v.type === 'uri_file'
          ? path.join(folder, 'output')
          : folder;
      await mkdir(v.type === 'uri_file' ? path.dirname(outputs[k]) : outputs[k], { recursive: true });
    }
    stepOutputs.set(name, new Map(Object.entries(outputs)));
    const logDir = path.join(options.workDir, 'logs', name);
    await mkdir(logDir, { recursive: true });
    let stepResult: StepResult;
    if (step.type === 'parallel') {
      const parallel = await runParallelStep({
        step,
        inputs,
        outputs,
        baseDir,
        nodes,
        dataInputs,
        logsDir: logDir,
        env: jobEnv,
        ...(options.onEvent ? { onEvent: (e: ParallelEvent) => options.onEvent!(name, e) } : {}),
        ...(options.onProcess ? { onProcess: options.onProcess } : {}),
      });
      stepResult = { status: parallel.status, parallel, log: logDir };
    } else {
      const command = step.command.replace(
        /\$\{\{\s*(inputs|outputs)\.(\w+)\s*\}\}/g,
        (_, kind: string, key: string) => {
          const value = (kind === 'inputs' ? inputs : outputs)[key];
          if (value === undefined) throw new Error(`step ${name}: \${{${kind}.${key}}} is not bound`);
          return value;
        },
      );
      const log = path.join(logDir, 'std_log.txt');
      const mounts: Mount[] = [
        ...dataInputs.map((k) => ({
          source: folderOf(inputs[k]!),
          target: folderOf(inputs[k]!),
          readOnly: true,
        })),
        ...Object.values(outputs).map((o) => ({ source: folderOf(o), target: folderOf(o) })),
      ];
      const env = { ...jobEnv, ...step.environment_variables };
      const exitCode = await runShell(command, { nodes, env, mounts, logFile: log });
      stepResult = { status: exitCode === 0 ? 'Completed' : 'Failed', exitCode, log };
    }
    result.steps[name] = stepResult;
    if (stepResult.status === 'Failed') {
      result.status = 'Failed';
      break;
    }
  }
  return result;
}

/** A command step: one process on one node (`bash -c`, as the job's command runs), its output into its log. */
async function runShell(
  command: string,
  options: { nodes: NodeRuntime; env: Record<string, string>; mounts: Mount[]; logFile: string },
): Promise<number> {
  const node = await options.nodes.node(0);
  try {
    const child = await node.start(['bash', '-c', command], { env: options.env, mounts: options.mounts });
    child.stdin.end();
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const code = await child.exited;
    await writeFile(options.logFile, text);
    return code ?? 1;
  } finally {
    await node.release();
  }
}

function folderOf(p: string): string {
  return statSync(p, { throwIfNoEntry: false })?.isFile() ? path.dirname(p) : p;
}
