import { createHash } from 'node:crypto';
import type { AzureMachineLearningWorkspaces, JobBase } from '@azure/arm-machinelearning';
import { sleep } from '../util/sleep.ts';
import {
  type AmlClientOptions,
  type AmlWorkspaceRef,
  armId,
  callOptions,
  createAmlClient,
  workspaceLabel,
} from './aml-client.ts';
import { armPut } from './arm-raw.ts';
import { azureCall, isNotFound } from './errors.ts';
import { type CommandJobSpec, type JobOverrides, toCommandJobBody } from './job-spec.ts';

export interface JobTarget extends AmlClientOptions {
  workspace: AmlWorkspaceRef;
  /** A client shared between calls (tests inject one pointed at the spec server). */
  client?: AzureMachineLearningWorkspaces;
}

export interface SubmittedJob {
  name: string;
  status: string;
  /** Azure ML studio page of the job, for logs. */
  studioUrl: string;
}

const ROLE = 'AzureML Data Scientist';
const TERMINAL_OK = new Set(['Completed']);
const TERMINAL_BAD = new Set(['Failed', 'Canceled', 'NotResponding']);

function clientOf(target: JobTarget): AzureMachineLearningWorkspaces {
  return target.client ?? createAmlClient(target.workspace.subscriptionId, target);
}

/**
 * Job names are unique per workspace and never reusable, even after the job failed: [a-zA-Z0-9_-], starting with
 * a letter. Attempt n of a stage of a run is `mm-<stage>-<run>-a<n>`, so a rerun of the pipeline submits a new
 * job instead of colliding (409) with the one that failed.
 */
export function jobName(stage: string, runId: string, attempt = 1): string {
  const safe = `mm-${stage}-${runId}`.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 200);
  return `${/^[a-zA-Z]/.test(safe) ? safe : `j${safe}`}-a${attempt}`;
}

/** Reads a job's status; undefined when no job has this name. */
export async function jobStatus(target: JobTarget & { name: string }): Promise<string | undefined> {
  const ref = target.workspace;
  const job = await azureCall(
    {
      service: 'arm',
      resource: `job ${target.name} in ${workspaceLabel(ref)}`,
      operation: 'read job status',
      role: ROLE,
    },
    async () => {
      try {
        return await clientOf(target).jobs.get(
          ref.resourceGroup,
          ref.workspace,
          target.name,
          callOptions(target),
        );
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
  );
  return job ? statusOf(job) : undefined;
}

/**
 * Submits attempt n of a stage of a run, where n follows the attempts that failed or were canceled. A rerun after
 * the stage's job completed, or while it still runs (an agent that died while waiting), submits nothing and
 * returns that job to follow: a pipeline rerun never trains a finished stage twice.
 */
export async function submitAttempt(
  target: JobTarget & { stage: string; runId: string; spec: CommandJobSpec; overrides?: JobOverrides },
  maxAttempts = 20,
): Promise<{ job: SubmittedJob; attempt: number; resumed: boolean }> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const name = jobName(target.stage, target.runId, attempt);
    const status = await jobStatus({ ...target, name });
    if (status === undefined) {
      return { job: await submitJob({ ...target, name }), attempt, resumed: false };
    }
    if (!TERMINAL_BAD.has(status)) {
      return { job: { name, status, studioUrl: studioUrl(target.workspace, name) }, attempt, resumed: true };
    }
  }
  throw new JobError(
    `the ${target.stage} stage of run ${target.runId} failed ${maxAttempts} times; start a new run`,
    'Failed',
  );
}

export function studioUrl(ref: AmlWorkspaceRef, name: string): string {
  return `https://ml.azure.com/runs/${encodeURIComponent(name)}?wsid=${encodeURIComponent(armId(ref))}`;
}

/**
 * Registers the runtime image as an environment version (idempotent: the version is derived from the image
 * reference, so the same image always maps to the same version) and returns its ARM id for `submitJob`.
 */
export async function ensureEnvironment(
  target: JobTarget & { image: string; name?: string },
): Promise<string> {
  const name = target.name ?? 'mm-runtime';
  const version = `i${createHash('sha256').update(target.image).digest('hex').slice(0, 12)}`;
  const ref = target.workspace;
  await azureCall(
    {
      service: 'arm',
      resource: `environment ${name} in ${workspaceLabel(ref)}`,
      operation: 'register image',
      role: ROLE,
    },
    () =>
      clientOf(target).environmentVersions.createOrUpdate(
        ref.resourceGroup,
        ref.workspace,
        name,
        version,
        { properties: { description: 'many-models runtime image', image: target.image, isAnonymous: false } },
        callOptions(target),
      ),
  );
  return armId(ref, 'environments', name, 'versions', version);
}

/**
 * Submits a command job from a `pipelines/*.yml` spec (Jobs_CreateOrUpdate, sent by `armPut` so the lake mount's
 * uri and mode reach Azure); returns at once, see `waitForJob`.
 */
export async function submitJob(
  target: JobTarget & { name: string; spec: CommandJobSpec; overrides?: JobOverrides },
): Promise<SubmittedJob> {
  const ref = target.workspace;
  const body = toCommandJobBody(target.spec, ref, target.overrides);
  const job = await azureCall(
    {
      service: 'arm',
      resource: `job ${target.name} in ${workspaceLabel(ref)}`,
      operation: 'submit job',
      role: ROLE,
    },
    () => armPut<JobBase>(clientOf(target), armId(ref, 'jobs', target.name), body, callOptions(target)),
  );
  return { name: target.name, status: statusOf(job), studioUrl: studioUrl(ref, target.name) };
}

function statusOf(job: JobBase): string {
  return job.properties.status ?? 'Unknown';
}

export interface WaitOptions extends JobTarget {
  name: string;
  /** Give up waiting after this long (the job itself keeps its own `limits.timeout`). Default 6 h. */
  timeoutMs?: number;
  pollIntervalMs?: number;
  /** Consecutive failed status reads tolerated (each already retried by the SDK) before giving up. */
  maxPollFailures?: number;
  /** Called when the status changes; default: one JSON line on stderr. */
  onStatus?: (event: { job: string; status: string; elapsedSeconds: number }) => void;
  signal?: AbortSignal;
}

export class JobError extends Error {
  override readonly name = 'JobError';
  readonly status: string;

  constructor(message: string, status: string) {
    super(message);
    this.status = status;
  }
}

/** Polls a job until it completes; throws a JobError naming the job, its last status and where its logs are. */
export async function waitForJob(
  options: WaitOptions,
): Promise<{ name: string; status: string; durationMs: number }> {
  const ref = options.workspace;
  const client = clientOf(options);
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 6 * 3_600_000;
  const interval = options.pollIntervalMs ?? 30_000;
  const report =
    options.onStatus ??
    ((event) => process.stderr.write(`${JSON.stringify({ event: 'job-status', ...event })}\n`));
  const where = `${workspaceLabel(ref)} (logs: ${studioUrl(ref, options.name)})`;
  let last = '';
  let failures = 0;
  while (true) {
    options.signal?.throwIfAborted();
    try {
      const job = await azureCall(
        {
          service: 'arm',
          resource: `job ${options.name} in ${workspaceLabel(ref)}`,
          operation: 'read job status',
          role: ROLE,
        },
        () =>
          client.jobs.get(
            ref.resourceGroup,
            ref.workspace,
            options.name,
            callOptions(options, options.signal),
          ),
      );
      failures = 0;
      const status = statusOf(job);
      if (status !== last) {
        last = status;
        report({ job: options.name, status, elapsedSeconds: Math.round((Date.now() - started) / 1000) });
      }
      if (TERMINAL_OK.has(status)) return { name: options.name, status, durationMs: Date.now() - started };
      if (TERMINAL_BAD.has(status))
        throw new JobError(`job ${options.name} ended ${status} in ${where}`, status);
    } catch (error) {
      if (error instanceof JobError) throw error;
      failures += 1;
      if (failures > (options.maxPollFailures ?? 3)) throw error;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      throw new JobError(
        `job ${options.name} is still ${last || 'unknown'} after ${Math.round(timeoutMs / 1000)}s of waiting; it keeps ` +
          `running in ${where} (stop it with: az ml job cancel -n ${options.name})`,
        last || 'Unknown',
      );
    }
    await sleep(Math.min(interval, timeoutMs - elapsed), options.signal);
  }
}
