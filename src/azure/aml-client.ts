import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/identity';
import { type ArmBudget, armBudgetPolicy, sharedBudget } from './arm-budget.ts';
import { azureCredential } from './credential.ts';

/** One Azure ML workspace, as `environments/<env>.yaml` names it. */
export interface AmlWorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

/** How to reach Azure Resource Manager, and how patiently. */
export interface AmlClientOptions {
  /** Injected sign-in (tests); production uses `azureCredential()`. */
  credential?: TokenCredential;
  /** ARM endpoint; tests point it at a local server that answers with the REST specification's examples. */
  endpoint?: string;
  /** Extra trusted CA (PEM) for that endpoint: a test server's certificate, or an inspecting proxy's. */
  ca?: string;
  /** Retries per HTTP request on 429 (after its Retry-After), 408 and 5xx, with exponential back-off. */
  maxRetries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Bound for one HTTP request. */
  requestTimeoutMs?: number;
  /** Bound for one call including its retries and Retry-After waits. */
  operationTimeoutMs?: number;
  /** Client-side pacing to ARM's throttling budget; default one budget per process and subscription. */
  budget?: ArmBudget | false;
}

export const ARM_ENDPOINT = 'https://management.azure.com';
export const ARM_SCOPE = 'https://management.azure.com/.default';
const PROVIDER = 'Microsoft.MachineLearningServices';

export function createAmlClient(
  subscriptionId: string,
  options: AmlClientOptions = {},
): AzureMachineLearningWorkspaces {
  const endpoint = options.endpoint ?? ARM_ENDPOINT;
  const client = new AzureMachineLearningWorkspaces(
    azureCredential({ credential: options.credential }),
    subscriptionId,
    {
      // The generated client builds request URLs from $host and token scopes from endpoint: set both.
      $host: endpoint,
      endpoint,
      credentialScopes: [ARM_SCOPE],
      retryOptions: {
        maxRetries: options.maxRetries ?? 4,
        retryDelayInMs: options.retryDelayMs ?? 800,
        maxRetryDelayInMs: options.maxRetryDelayMs ?? 60_000,
      },
      tlsOptions: options.ca ? { ca: options.ca } : undefined,
      userAgentOptions: { userAgentPrefix: 'many-models' },
    },
  );
  if (options.budget !== false) {
    // Before the retry policy, so every retry also waits for a token: ARM counts retries too.
    client.pipeline.addPolicy(armBudgetPolicy(options.budget ?? sharedBudget(subscriptionId)), {
      afterPhase: 'Retry',
    });
  }
  return client;
}

/** Per-call options: a bound on each HTTP request and on the whole call. */
export interface CallOptions {
  abortSignal: AbortSignal;
  requestOptions: { timeout: number };
}

export function callOptions(options: AmlClientOptions, signal?: AbortSignal): CallOptions {
  const deadline = AbortSignal.timeout(options.operationTimeoutMs ?? 300_000);
  return {
    abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    requestOptions: { timeout: options.requestTimeoutMs ?? 60_000 },
  };
}

export function workspaceLabel(ref: AmlWorkspaceRef): string {
  return `workspace ${ref.workspace} (resource group ${ref.resourceGroup})`;
}

/** ARM id of a workspace child: armId(ref, 'computes', 'cpu-cluster'). */
export function armId(ref: AmlWorkspaceRef, ...segments: string[]): string {
  const base =
    `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}` +
    `/providers/${PROVIDER}/workspaces/${ref.workspace}`;
  return segments.length > 0 ? `${base}/${segments.map(encodeURIComponent).join('/')}` : base;
}
