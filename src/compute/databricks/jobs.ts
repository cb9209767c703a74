import type { SparkStageRequest } from '../spark-job.ts';
import { type PollerOptions, SparkJobPoller, type SparkJobState } from '../spark-poller.ts';
import { SparkRestClient, type SparkRestOptions } from '../spark-rest.ts';
import { type DatabricksSettings, databricksRunSubmit } from './spec.ts';

/** The Entra ID application of Azure Databricks: tokens for its REST API are requested for this resource. */
export const DATABRICKS_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

/** The parts of Jobs API 2.1 `runs/get` the poller reads. */
interface RunGet {
  run_id: number;
  run_page_url?: string;
  state?: { life_cycle_state?: string; result_state?: string; state_message?: string };
}

const PERMISSION =
  "the identity must be a workspace user with 'Allow unrestricted cluster creation' (or a cluster policy) and " +
  'Can Use on the runtime volume';

// Terminal life cycle states of a run (Jobs API 2.1, RunLifeCycleState): TERMINATED, SKIPPED, INTERNAL_ERROR.
const TERMINAL = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

export interface DatabricksTarget extends SparkRestOptions {
  settings: DatabricksSettings;
}

/**
 * Submits one stage as a one-time Databricks run and returns a poller over it. The submission is idempotent on
 * the run id (a retried pipeline step never starts the stage twice).
 */
export async function beginDatabricksStage(
  request: SparkStageRequest,
  target: DatabricksTarget,
  poller: PollerOptions & { abortSignal?: AbortSignal } = {},
): Promise<SparkJobPoller> {
  const client = new SparkRestClient(target.settings.workspaceUrl, DATABRICKS_SCOPE, target);
  const submitted = await client.call<{ run_id: number }>(
    'POST',
    '/api/2.1/jobs/runs/submit',
    {
      service: `Databricks ${target.settings.workspaceUrl}`,
      operation: `submit ${request.stage} run ${request.runId}`,
      permission: PERMISSION,
    },
    databricksRunSubmit(request, target.settings),
    poller.abortSignal,
  );
  const id = String(submitted.run_id);
  const read = async (signal?: AbortSignal): Promise<SparkJobState> =>
    stateOf(
      await client.call<RunGet>(
        'GET',
        `/api/2.1/jobs/runs/get?run_id=${encodeURIComponent(id)}`,
        {
          service: `Databricks ${target.settings.workspaceUrl}`,
          operation: `read run ${id}`,
          permission: PERMISSION,
        },
        undefined,
        signal,
      ),
    );
  return new SparkJobPoller({ id, status: 'SUBMITTED', done: false, succeeded: false }, read, {
    cancelHint: `databricks jobs cancel-run ${id}`,
    ...poller,
  });
}

export function stateOf(run: RunGet): SparkJobState {
  const life = run.state?.life_cycle_state ?? 'PENDING';
  const result = run.state?.result_state;
  const done = TERMINAL.has(life);
  return {
    id: String(run.run_id),
    status: result ? `${life}/${result}` : life,
    done,
    succeeded: done && life === 'TERMINATED' && result === 'SUCCESS',
    ...(run.state?.state_message ? { message: run.state.state_message } : {}),
    ...(run.run_page_url ? { url: run.run_page_url } : {}),
  };
}
