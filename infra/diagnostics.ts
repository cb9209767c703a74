/**
 * What each resource type sends to Log Analytics: the categories Azure Monitor documents for the type, chosen for
 * audit value over volume (the workspace's daily cap bounds the bill). Category names come from Microsoft's
 * "Supported logs for <type>" pages (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/
 * followed by the page named in `doc`); a name Azure does not know fails the deployment, so each is copied from
 * there, never invented.
 */

/** Azure resource types that take a diagnostic setting in this estate. */
export type DiagnosticKind =
  | 'Microsoft.KeyVault/vaults'
  | 'Microsoft.Storage/storageAccounts'
  | 'Microsoft.Storage/storageAccounts/blobServices'
  | 'Microsoft.MachineLearningServices/workspaces'
  | 'Microsoft.ContainerRegistry/registries'
  | 'Microsoft.OperationalInsights/workspaces'
  | 'Microsoft.ContainerService/managedClusters'
  | 'Microsoft.Synapse/workspaces'
  | 'Microsoft.Synapse/workspaces/bigDataPools'
  | 'Microsoft.Synapse/workspaces/sqlPools'
  | 'Microsoft.Databricks/workspaces';

export interface DiagnosticCategories {
  /** Resource log categories (exported to resource-specific tables where the type has them). */
  logs: readonly string[];
  /** Platform metric categories; only where the type has no logs worth keeping. */
  metrics: readonly string[];
  /** The supported-logs (or supported-metrics) page the categories come from. */
  doc: string;
  why: string;
}

const SUPPORTED_LOGS = 'https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/';
const SUPPORTED_METRICS = 'https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/';

export const DIAGNOSTIC_CATEGORIES: Readonly<Record<DiagnosticKind, DiagnosticCategories>> = {
  'Microsoft.KeyVault/vaults': {
    logs: ['AuditEvent'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-keyvault-vaults-logs`,
    why: 'who read or changed which secret, key or vault setting',
  },
  'Microsoft.Storage/storageAccounts': {
    logs: [],
    metrics: ['Transaction'],
    doc: `${SUPPORTED_METRICS}microsoft-storage-storageaccounts-metrics`,
    why: 'the account level has metrics only; request logs are on its blob service',
  },
  'Microsoft.Storage/storageAccounts/blobServices': {
    logs: ['StorageRead', 'StorageWrite', 'StorageDelete'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-storage-storageaccounts-blobservices-logs`,
    why: 'every read, write and delete of a blob, with the caller: who touched prod models and predictions',
  },
  'Microsoft.MachineLearningServices/workspaces': {
    logs: [
      'AmlComputeClusterEvent',
      'AmlComputeJobEvent',
      'AmlRunStatusChangedEvent',
      'ModelsChangeEvent',
      'ModelsActionEvent',
    ],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-machinelearningservices-workspaces-logs`,
    why: 'cluster scaling, job lifecycle, and every model version created, changed or archived',
  },
  'Microsoft.ContainerRegistry/registries': {
    logs: ['ContainerRegistryLoginEvents', 'ContainerRegistryRepositoryEvents'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-containerregistry-registries-logs`,
    why: 'who signed in and which image was pushed, pulled or deleted',
  },
  'Microsoft.OperationalInsights/workspaces': {
    logs: ['Audit'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-operationalinsights-workspaces-logs`,
    why: 'who queried the logs (LAQueryLogs)',
  },
  'Microsoft.ContainerService/managedClusters': {
    // kube-audit-admin rather than kube-audit: the same writes without every get/list, a fraction of the volume.
    logs: ['kube-audit-admin', 'guard', 'cluster-autoscaler'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-containerservice-managedclusters-logs`,
    why: 'changes to the cluster, Entra sign-ins (guard) and scaling',
  },
  'Microsoft.Synapse/workspaces': {
    logs: ['SynapseRbacOperations', 'GatewayApiRequests', 'BuiltinSqlReqsEnded'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-synapse-workspaces-logs`,
    why: 'Synapse RBAC changes, API calls and every serverless SQL query (the predictions view)',
  },
  'Microsoft.Synapse/workspaces/bigDataPools': {
    logs: ['BigDataPoolAppsEnded'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-synapse-workspaces-bigdatapools-logs`,
    why: 'each Spark application that ran, with its outcome',
  },
  'Microsoft.Synapse/workspaces/sqlPools': {
    logs: ['SqlRequests', 'ExecRequests'],
    metrics: [],
    doc: `${SUPPORTED_LOGS}microsoft-synapse-workspaces-sqlpools-logs`,
    why: 'queries against the dedicated pool',
  },
  'Microsoft.Databricks/workspaces': {
    logs: ['accounts', 'clusters', 'jobs', 'secrets', 'workspace'],
    metrics: [],
    // Diagnostic logs need the Premium tier, which the workspace has (components/databricks.ts).
    doc: `${SUPPORTED_LOGS}microsoft-databricks-workspaces-logs`,
    why: 'sign-ins, cluster and job changes, secret access',
  },
};

/** One resource to send diagnostics for: the components list theirs, the Diagnostics component applies them. */
export interface DiagnosticTarget<Id = unknown> {
  /** Logical name, unique in the stack (the setting's Pulumi name derives from it). */
  name: string;
  kind: DiagnosticKind;
  resourceId: Id;
}

/** The blob service every storage account has (`default`): where blob request logs are configured. */
export function blobServiceId(accountId: string): string {
  return `${accountId}/blobServices/default`;
}
