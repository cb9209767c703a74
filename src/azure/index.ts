/**
 * The Azure execution adapters in one import for the steps and the CLI. Each export lives in its own module; see
 * docs/azure.md for what runs where.
 */
export { type AmlClientOptions, type AmlWorkspaceRef, createAmlClient } from './aml-client.ts';
export { LINEAGE_TAG, type PromoteOptions, type PromotionItem, promoteAcross } from './aml-promote.ts';
export { AzureMlModelRegistry, type AzureMlRegistryOptions } from './aml-registry.ts';
export { azureMlRegistryFor, workspaceFor } from './aml-registry-for.ts';
export { effectiveStorage, shardFromEnv } from './cluster.ts';
export {
  CLUSTER_STAGES,
  type ClusterStage,
  type ClusterStageOptions,
  runStageOnCluster,
} from './cluster-run.ts';
export { azureCredential, type CredentialOptions, staticTokenCredential } from './credential.ts';
export { AzureError, explainAzureError } from './errors.ts';
export { type CommandJobSpec, type JobOverrides, loadJobSpec, toCommandJobBody } from './job-spec.ts';
export {
  ensureEnvironment,
  JobError,
  jobName,
  type SubmittedJob,
  submitJob,
  type WaitOptions,
  waitForJob,
} from './jobs.ts';
export { type RefreshPredictionsViewOptions, refreshPredictionsView } from './synapse.ts';
export { dfsUrl, predictionsViewColumns, renderSynapseScripts } from './synapse-sql.ts';
