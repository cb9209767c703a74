import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readYamlFile } from '../../../src/config/load.ts';
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
  python: string;
  /** Environment of every step's processes (PATH must find `mm`, see docs/azure.md). */
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

  while (pending.size > 0) {
    const next = [...pending].find(([, step]) => ready(step));
    if (!next) throw new Error(`steps ${[...pending.keys()].join(', ')} wait on outputs no step produces`);
    const [name, step] = next;
    pending.delete(name);
    const inputs = Object.fromEntries(Object.entries(step.inputs ?? {}).map(([k, v]) => [k, bind(v)!]));
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
        python: options.python,
        logsDir: logDir,
        env: options.env,
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
      const exitCode = await runShell(command, { ...options.env, ...step.environment_variables }, log);
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

async function runShell(command: string, env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  const child = spawn('bash', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  await writeFile(logFile, text);
  return code;
}
