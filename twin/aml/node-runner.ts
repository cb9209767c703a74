import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AzureBlobStore } from '../../src/storage/azure-blob-store.ts';
import type { TwinPrincipal } from '../rbac/estate.ts';
import type { RunningJob } from './jobs-state.ts';

type Json = Record<string, unknown>;

/** Where a datastore keeps its bytes, and who the node is. */
export interface NodeRunnerOptions {
  /** Working folder for the nodes' local disks. */
  workDir: string;
  /** The app's folder inside the image (the repository until the runtime image runs the nodes). */
  appRoot: string;
  /** The lake behind a datastore name in a workspace ('rg/ws'). */
  datastore(ws: string, name: string): { accountUrl: string; container: string } | undefined;
  /** The user-assigned identities the workspace's compute cluster carries. */
  clusterIdentities(ws: string): TwinPrincipal[];
  /** Environment a node process needs to reach the twin as one of `identities` (router, CA, MSI endpoint). */
  nodeEnvironment(ws: string, identities: TwinPrincipal[], label: string): Record<string, string>;
  /** In-process sign-in for the data the platform moves for the job (inputs down, outputs up). */
  credential(principal: TwinPrincipal): import('@azure/identity').TokenCredential;
  /** Starts one node's command; default: a shell on this host. The runtime image replaces it when it lands. */
  spawnNode?: (
    command: string,
    options: { cwd: string; env: NodeJS.ProcessEnv; log: string },
  ) => ChildProcess;
  onEvent?: (event: { job: string; node?: number; message: string }) => void;
}

/**
 * Runs a submitted command job as Azure ML does: `resources.instanceCount` nodes, one process each (PyTorch
 * distribution, one process per node), with the variables the platform sets (NODE_RANK, RANK, WORLD_SIZE,
 * LOCAL_RANK, MASTER_ADDR, MASTER_PORT: "Distributed training with Azure Machine Learning", section PyTorch,
 * https://learn.microsoft.com/en-us/azure/machine-learning/how-to-train-distributed-gpu), the job's
 * environment variables, and its inputs and outputs as local folders ("Access data in a job", section Modes,
 * https://learn.microsoft.com/en-us/azure/machine-learning/how-to-read-write-data-v2): `download` and
 * `ro_mount` inputs arrive before the command starts and are read-only; `upload` outputs go up when the node
 * ends; an `rw_mount` output shows the datastore's current content and keeps what the node wrote, even when the
 * node is killed (mounted writes are live).
 * The platform moves data with the job's identity: the cluster's one identity, or the one the job names in
 * AZURE_CLIENT_ID when the cluster carries several.
 */
export class NodeRunner {
  readonly #options: NodeRunnerOptions;
  readonly jobs = new Map<string, JobExecution>();

  constructor(options: NodeRunnerOptions) {
    this.#options = options;
  }

  run(job: { ws: string; name: string; properties: Json }): RunningJob {
    const execution = new JobExecution(job, this.#options);
    this.jobs.set(job.name, execution);
    execution.start().catch((error: unknown) => execution.fail((error as Error).message));
    return execution;
  }
}

interface NodeState {
  index: number;
  child?: ChildProcess;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export class JobExecution implements RunningJob {
  readonly name: string;
  readonly nodes: NodeState[] = [];
  failure?: string;
  #status = 'Queued';
  readonly #job: { ws: string; name: string; properties: Json };
  readonly #options: NodeRunnerOptions;

  constructor(job: { ws: string; name: string; properties: Json }, options: NodeRunnerOptions) {
    this.#job = job;
    this.name = job.name;
    this.#options = options;
  }

  status(): string {
    return this.#status;
  }

  fail(message: string): void {
    this.failure = message;
    this.#status = 'Failed';
    this.#event(`failed: ${message}`);
  }

  /** Kills one node as a low-priority VM is preempted: no warning, no chance to flush. */
  preempt(node: number): void {
    this.nodes[node]?.child?.kill('SIGKILL');
  }

  // Declared before `started`: fields initialise in order, and its executor assigns this one.
  #markStarted: () => void = () => {};
  /** Resolves when every node has started its command (tests preempt after this). */
  readonly started = new Promise<void>((resolve) => {
    this.#markStarted = resolve;
  });

  async start(): Promise<void> {
    const p = this.#job.properties as {
      command: string;
      environmentVariables?: Record<string, string>;
      inputs?: Record<string, { jobInputType: string; value?: string; uri?: string; mode?: string }>;
      outputs?: Record<string, { jobOutputType: string; uri?: string; mode?: string }>;
      resources?: { instanceCount?: number };
    };
    const count = p.resources?.instanceCount ?? 1;
    const identity = this.#identity(p.environmentVariables ?? {});
    if (typeof identity === 'string') return this.fail(identity);
    this.#status = 'Running';
    const results = await Promise.all(
      Array.from({ length: count }, (_, index) => this.#runNode(index, count, p, identity)),
    );
    if (this.#status === 'Failed') return;
    const bad = results.find((r) => r !== 0);
    if (bad !== undefined) return this.fail(`a node ended with ${bad}; see its log in ${this.#dir()}`);
    this.#status = 'Completed';
    this.#event('completed');
  }

  #identity(env: Record<string, string>): TwinPrincipal | string {
    const attached = this.#options.clusterIdentities(this.#job.ws);
    const named = env.AZURE_CLIENT_ID;
    if (named) {
      return (
        attached.find((p) => p.clientId === named) ??
        `AZURE_CLIENT_ID ${named} is not an identity of this cluster`
      );
    }
    if (attached.length === 1) return attached[0]!;
    return (
      `the cluster carries ${attached.length} user-assigned identities (${attached.map((a) => a.name).join(', ')}) ` +
      'and the job names none (AZURE_CLIENT_ID): the data access identity is ambiguous'
    );
  }

  #dir(): string {
    return path.join(this.#options.workDir, this.#job.name);
  }

  async #runNode(
    index: number,
    count: number,
    p: {
      command: string;
      environmentVariables?: Record<string, string>;
      inputs?: Record<string, { jobInputType: string; value?: string; uri?: string; mode?: string }>;
      outputs?: Record<string, { jobOutputType: string; uri?: string; mode?: string }>;
    },
    identity: TwinPrincipal,
  ): Promise<number | string> {
    const node: NodeState = { index };
    this.nodes[index] = node;
    const root = path.join(this.#dir(), `node-${index}`);
    const values: Record<string, string> = {};
    for (const [name, input] of Object.entries(p.inputs ?? {})) {
      if (input.jobInputType === 'literal') {
        values[`inputs.${name}`] = input.value ?? '';
        continue;
      }
      const local = path.join(root, 'inputs', name);
      await this.#download(input.uri ?? '', local, identity);
      await makeReadOnly(local);
      values[`inputs.${name}`] = local;
    }
    const outputs: { local: string; uri: string; mode: string }[] = [];
    for (const [name, output] of Object.entries(p.outputs ?? {})) {
      const local = path.join(root, 'outputs', name);
      await mkdir(local, { recursive: true });
      const mode = output.mode ?? 'ReadWriteMount';
      if (mode === 'ReadWriteMount') await this.#download(output.uri ?? '', local, identity);
      outputs.push({ local, uri: output.uri ?? '', mode });
      values[`outputs.${name}`] = local;
    }
    const command = p.command.replace(/\$\{\{\s*((?:inputs|outputs)\.[\w-]+)\s*\}\}/g, (_m, key: string) => {
      return values[key] ?? '';
    });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(p.environmentVariables ?? {}),
      AZUREML_RUN_ID: this.#job.name,
      NODE_RANK: String(index),
      RANK: String(index),
      LOCAL_RANK: '0',
      WORLD_SIZE: String(count),
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: '29500',
      TMPDIR: path.join(root, 'tmp'),
      ...this.#options.nodeEnvironment(
        this.#job.ws,
        this.#options.clusterIdentities(this.#job.ws),
        `${this.#job.name}/node-${index}`,
      ),
    };
    await mkdir(path.join(root, 'tmp'), { recursive: true });
    const log = path.join(root, 'std_log.txt');
    const spawnNode = this.#options.spawnNode ?? spawnOnHost;
    node.child = spawnNode(command, { cwd: this.#options.appRoot, env, log });
    this.#event(`node ${index}/${count} started`, index);
    if (this.nodes.filter((n) => n.child).length === count) this.#markStarted();
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      node.child!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    node.exit = exit;
    this.#event(`node ${index} exited ${exit.code ?? exit.signal}`, index);
    const preempted = exit.signal === 'SIGKILL';
    for (const output of outputs) {
      if (preempted && output.mode !== 'ReadWriteMount') continue;
      await this.#upload(output.local, output.uri, identity);
    }
    return exit.code === 0 ? 0 : (exit.signal ?? String(exit.code));
  }

  #store(uri: string, identity: TwinPrincipal): { store: AzureBlobStore; prefix: string } {
    const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/?(.*)$/.exec(uri);
    if (!match) throw new Error(`'${uri}' is not an azureml://datastores/<name>/paths/<path> URI`);
    const where = this.#options.datastore(this.#job.ws, match[1]!);
    if (!where) throw new Error(`datastore ${match[1]} does not exist in ${this.#job.ws}`);
    const store = new AzureBlobStore({
      accountUrl: where.accountUrl,
      container: where.container,
      credential: this.#options.credential(identity),
      maxTries: 1,
    });
    return { store, prefix: (match[2] ?? '').replace(/\/+$/, '') };
  }

  async #download(uri: string, local: string, identity: TwinPrincipal): Promise<void> {
    const { store, prefix } = this.#store(uri, identity);
    await mkdir(local, { recursive: true });
    await store.syncDown(prefix, local);
  }

  async #upload(local: string, uri: string, identity: TwinPrincipal): Promise<void> {
    const { store, prefix } = this.#store(uri, identity);
    if ((await readdir(local)).length > 0) await store.syncUp(local, prefix);
  }

  #event(message: string, node?: number): void {
    this.#options.onEvent?.({ job: this.name, node, message });
  }
}

function spawnOnHost(
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; log: string },
): ChildProcess {
  const child = spawn('bash', ['-c', command], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  void open(options.log, 'a').then((file) => {
    const stream = file.createWriteStream();
    child.stdout?.pipe(stream);
    child.stderr?.pipe(stream);
  });
  return child;
}

async function makeReadOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, entry);
    const info = await stat(full);
    await chmod(full, info.isDirectory() ? 0o555 : 0o444);
  }
  await chmod(dir, 0o555);
}
