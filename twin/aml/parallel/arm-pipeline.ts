import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { stringify } from 'yaml';
import { AzureBlobStore } from '../../../src/storage/azure-blob-store.ts';
import type { TwinPrincipal } from '../../rbac/estate.ts';
import type { RunningJob } from '../jobs-state.ts';
import type { NodeRuntime } from './nodes.ts';
import { runPipelineJob } from './pipeline.ts';

type Json = Record<string, unknown>;

// The REST API's delivery modes, InputDeliveryMode (ReadOnlyMount, ReadWriteMount, Download, Direct, ...) and
// OutputDeliveryMode (ReadWriteMount, Upload, Direct) of the Microsoft.MachineLearningServices spec, as generated
// into azure-ai-ml (azure/ai/ml/_restclient/arm_ml_service/models/_enums.py); YAML spells them ro_mount, upload, ...
const REST_MODE: Record<string, string> = {
  ReadOnlyMount: 'ro_mount',
  ReadWriteMount: 'rw_mount',
  Download: 'download',
  Upload: 'upload',
  Direct: 'direct',
};
const PARALLEL_KEYS = [
  'resources',
  'error_threshold',
  'mini_batch_error_threshold',
  'max_concurrency_per_instance',
  'retry_settings',
  'logging_level',
  'input_data',
] as const;

export interface ArmPipelineOptions {
  workDir: string;
  appRoot: string;
  /** The lake behind the workspace's mm_lake datastore, and its blob URL as code versions name it. */
  lake: { accountUrl: string; container: string; publicUrl: string };
  identity: TwinPrincipal;
  credential: TokenCredential;
  /** Router, CA, managed identity endpoint: what a node process needs to act as the cluster's identity. */
  nodeEnvironment: Record<string, string>;
  components: Map<string, Json>;
  codes: Map<string, Json>;
  ws: string;
  /** Where the cluster's processes run: the runtime image, or this host where buildah is missing. */
  nodes: NodeRuntime;
  /**
   * The nodes for the job's environment version (the image it names, pulled from its registry), when the twin has
   * registries; `nodes` otherwise.
   */
  nodesFor?: (environmentId: string) => Promise<NodeRuntime>;
  onEvent?: (message: string) => void;
}

/**
 * A pipeline job submitted through ARM (Jobs_CreateOrUpdate, jobType Pipeline), run here: the steps are rebuilt
 * from the job's nodes and their registered component versions (the reverse of the CLI's YAML-to-REST
 * conversion, src/azure/pipeline-job.ts), the code version downloaded from its codeUri, and the YAML run by
 * ./pipeline.ts (its parallel step on ./runner.ts). The mm_lake datastore is a folder on this machine's disk:
 * the dataset's `prepared/` and run folder (below its `datasets/<name>/` when the job names one) are downloaded before the job, and the run's folder and predictions uploaded after it, as the
 * cluster's identity; a ro/rw mount is imitated by that copy (no FUSE here), so its hazards are not shown.
 * The steps' processes run on `options.nodes`: in the runtime image (inputs mounted read-only, outputs read-write),
 * or on this host.
 */
export function runArmPipeline(
  job: { name: string; properties: Json },
  options: ArmPipelineOptions,
): RunningJob & { where(): string } {
  let status = 'Queued';
  let where = options.nodes.where;
  const work = path.join(options.workDir, job.name);
  const store = (container = options.lake.container) =>
    new AzureBlobStore({ accountUrl: options.lake.accountUrl, container, credential: options.credential });
  const done = (async () => {
    status = 'Running';
    const properties = job.properties as {
      inputs?: Record<string, Json>;
      jobs?: Record<string, Json>;
    };
    const inputs: Json = {};
    const literal: Record<string, string> = {};
    for (const [name, input] of Object.entries(properties.inputs ?? {})) {
      if (input.jobInputType === 'literal') literal[name] = String(input.value);
      else inputs[name] = { type: input.jobInputType, path: input.uri, mode: REST_MODE[String(input.mode)] };
      if (input.jobInputType === 'literal') inputs[name] = String(input.value);
    }
    const codeDir = path.join(work, 'code');
    const jobs: Json = {};
    for (const [step, node] of Object.entries(properties.jobs ?? {})) {
      const component = options.components.get(`${options.ws}|${node.componentId}`) ?? {};
      const outputs: Json = {};
      for (const [name, output] of Object.entries((node.outputs as Record<string, Json>) ?? {})) {
        outputs[name] = {
          type: output.job_output_type,
          ...(output.uri ? { path: output.uri } : {}),
          mode: REST_MODE[String(output.mode)],
        };
      }
      const stepInputs: Json = {};
      for (const [name, input] of Object.entries((node.inputs as Record<string, Json>) ?? {}))
        stepInputs[name] = input.value;
      const spec: Json = { type: node.type, inputs: stepInputs, outputs };
      if (node.environment_variables) spec.environment_variables = node.environment_variables;
      if (node.type === 'parallel') {
        for (const key of PARALLEL_KEYS) if (node[key] !== undefined) spec[key] = node[key];
        spec.mini_batch_size = String(node.mini_batch_size ?? '1');
        const task = { ...(node.task as Json) };
        // The code version is named in the component's task (the node keeps the YAML's relative folder).
        const codeRef = (component.task as Json | undefined)?.code ?? task.code;
        const code = options.codes.get(`${options.ws}|${codeRef}`);
        if (code) {
          const prefix = String(code.codeUri).slice(options.lake.publicUrl.length + 1);
          await store().downloadDir(prefix, codeDir);
          task.code = './code';
        }
        spec.task = task;
      } else spec.command = component.command;
      jobs[step] = spec;
    }
    mkdirSync(work, { recursive: true });
    const file = path.join(work, 'pipeline.yml');
    writeFileSync(file, stringify({ type: 'pipeline', inputs, jobs }));
    // The datastore: what the job reads, on this disk.
    const lakeDir = path.join(work, 'lake');
    const runId = literal.run_id;
    // The dataset's folder of the datastore, as the job's prepared input names it (src/lake/dataset-lake.ts).
    const folder =
      /\/paths\/(.*?)prepared\/?$/.exec(String((inputs.prepared as Json | undefined)?.path ?? ''))?.[1] ?? '';
    const inLake = (key: string) => `${folder}${key}`;
    await store().downloadDir(inLake('prepared'), path.join(lakeDir, inLake('prepared')));
    if (runId)
      await store().downloadDir(inLake(`runs/${runId}`), path.join(lakeDir, inLake(`runs/${runId}`)));
    // The steps' component versions name the environment (the REST body's componentSpec, as jobs-state checks).
    const environmentId = Object.values(properties.jobs ?? {})
      .map((n) => options.components.get(`${options.ws}|${n.componentId}`) ?? {})
      .map((c) => String((c.task as Json | undefined)?.environment ?? c.environment ?? ''))
      .find(Boolean);
    const nodes = options.nodesFor && environmentId ? await options.nodesFor(environmentId) : options.nodes;
    where = nodes.where;
    options.onEvent?.(`${job.name}: nodes run in ${nodes.where}`);
    const result = await runPipelineJob({
      file,
      inputs: literal,
      datastores: { mm_lake: lakeDir },
      workDir: path.join(work, 'job'),
      nodes,
      env: { ...hostApp(work, nodes, options.appRoot), ...options.nodeEnvironment },
    });
    // The run's folders the job wrote: runs/<id> (train) and predictions/run_id=<id> (score, an rw_mount output
    // whose files are in the lake as soon as they are closed; here they arrive when the job ends).
    for (const folder of runId ? [`runs/${runId}`, `predictions/run_id=${runId}`] : []) {
      if (existsSync(path.join(lakeDir, inLake(folder))))
        await store().uploadDir(path.join(lakeDir, inLake(folder)), inLake(folder));
    }
    for (const [step, r] of Object.entries(result.steps)) {
      const why =
        r.parallel?.reason ?? r.parallel?.failures[0]?.error ?? (r.exitCode ? `exit ${r.exitCode}` : '');
      options.onEvent?.(`step ${step}: ${r.status}${why ? ` (${why.slice(0, 400)})` : ''}`);
      // The process log a failure points at, while it still exists (the twin's folder goes when it stops).
      const logFile = /see (\S+\.txt)/.exec(why)?.[1];
      if (logFile && existsSync(logFile))
        options.onEvent?.(readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-8).join('\n'));
    }
    options.onEvent?.(`${job.name}: ${result.status}`);
    status = result.status;
  })().catch((error: unknown) => {
    options.onEvent?.(`${job.name}: failed: ${(error as Error).message}`);
    status = 'Failed';
  });
  void done;
  return { status: () => status, where: () => where };
}

/**
 * On host nodes, what the runtime image otherwise provides: `mm` on PATH and the app's root. An image node has
 * both (/app, /usr/local/bin/mm) and gets nothing from this machine's environment.
 */
function hostApp(work: string, nodes: NodeRuntime, appRoot: string): Record<string, string> {
  if (nodes.kind !== 'host') return {};
  const bin = path.join(work, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'mm'), `#!/bin/sh\nexec "${process.execPath}" "${appRoot}/bin/mm.js" "$@"\n`);
  chmodSync(path.join(bin, 'mm'), 0o755);
  if (!existsSync(nodes.python))
    throw new Error(`no Python for the parallel step at ${nodes.python} (set MM_VENV)`);
  return {
    PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '',
    MM_APP_ROOT: appRoot,
  };
}
