import type { SparkStageRequest } from '../spark-job.ts';
import { type PollerOptions, SparkJobPoller, type SparkJobState } from '../spark-poller.ts';
import { SparkRestClient, type SparkRestOptions } from '../spark-rest.ts';
import { LIVY_API_VERSION, type SynapseSparkSettings, synapseBatch } from './spec.ts';

/** Tokens for Synapse's data-plane (development endpoint) APIs. */
export const SYNAPSE_SCOPE = 'https://dev.azuresynapse.net/.default';

/** The parts of `SparkBatchJob` (sparkJob.json) the poller reads. */
interface SparkBatchJob {
  id: number;
  state?: string;
  result?: 'Uncertain' | 'Succeeded' | 'Failed' | 'Cancelled';
  errorInfo?: { message?: string; errorCode?: string }[];
  appInfo?: Record<string, string> | null;
}

const PERMISSION =
  "Synapse RBAC 'Synapse Compute Operator' on the Spark pool and 'Synapse Credential User' on the workspace " +
  'managed identity credential';

// Livy's final batch states; `result` is the service's verdict.
const FINAL_STATES = new Set(['success', 'dead', 'killed', 'error']);

export interface SynapseTarget extends SparkRestOptions {
  settings: SynapseSparkSettings;
}

function poolPath(settings: SynapseSparkSettings): string {
  return `/livyApi/versions/${LIVY_API_VERSION}/sparkPools/${encodeURIComponent(settings.sparkPool)}`;
}

/** Submits one stage as a Synapse Spark batch job and returns a poller over it. */
export async function beginSynapseStage(
  request: SparkStageRequest,
  target: SynapseTarget,
  poller: PollerOptions & { abortSignal?: AbortSignal } = {},
): Promise<SparkJobPoller> {
  const { settings } = target;
  const client = new SparkRestClient(settings.endpoint, SYNAPSE_SCOPE, target);
  const service = `Synapse pool ${settings.sparkPool} (${settings.endpoint})`;
  const created = await client.call<SparkBatchJob>(
    'POST',
    `${poolPath(settings)}/batches?detailed=true`,
    { service, operation: `submit ${request.stage} batch for run ${request.runId}`, permission: PERMISSION },
    synapseBatch(request, settings),
    poller.abortSignal,
  );
  const id = String(created.id);
  const read = async (signal?: AbortSignal): Promise<SparkJobState> =>
    batchState(
      await client.call<SparkBatchJob>(
        'GET',
        `${poolPath(settings)}/batches/${encodeURIComponent(id)}?detailed=true`,
        { service, operation: `read batch ${id}`, permission: PERMISSION },
        undefined,
        signal,
      ),
      settings,
    );
  return new SparkJobPoller(batchState(created, settings), read, {
    cancelHint: `az synapse spark job cancel --livy-id ${id} --spark-pool-name ${settings.sparkPool} --workspace-name <workspace>`,
    ...poller,
  });
}

export function batchState(batch: SparkBatchJob, settings: SynapseSparkSettings): SparkJobState {
  const state = batch.state ?? 'not_started';
  const finalResult = batch.result && batch.result !== 'Uncertain' ? batch.result : undefined;
  const done = FINAL_STATES.has(state) || finalResult !== undefined;
  const message = batch.errorInfo
    ?.map((e) => `${e.errorCode ? `${e.errorCode}: ` : ''}${e.message ?? ''}`)
    .join('; ');
  const url =
    batch.appInfo?.sparkUiUrl ??
    `${settings.endpoint} (Monitor > Apache Spark applications, batch ${batch.id})`;
  return {
    id: String(batch.id),
    status: finalResult ? `${state}/${finalResult}` : state,
    done,
    succeeded: done && finalResult === 'Succeeded',
    ...(message ? { message } : {}),
    url,
  };
}
