/**
 * Every Azure resource name the program uses, derived from the stack's prefix and environment.
 * Names are deterministic so a stack can name its peer's resources (the prod stack knows the dev workspace is
 * `<prefix>-dev-mlw`) and so the pipelines and environments/<env>.yaml agree with what `pulumi up` created.
 * Globally unique names (storage, Key Vault, registry, Synapse) are unique only as far as the prefix is:
 * a fork picks a prefix of its own.
 */
export const ENVIRONMENTS = ['dev', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Lower-case letter then letters/digits; short enough for the 24-character storage and Key Vault limits. */
export const PREFIX_PATTERN = /^[a-z][a-z0-9]{1,9}$/;

/**
 * The managed identities a stack creates, one per purpose: a job that touches data, the read-only auditor of
 * prod models, the image pusher.
 */
export const IDENTITY_ROLES = ['dataprep', 'training', 'scoring', 'promotion', 'auditor', 'build'] as const;
export type IdentityRole = (typeof IDENTITY_ROLES)[number];

export interface ResourceNames {
  resourceGroup: string;
  /** ADLS Gen2 account: 3-24 lower-case letters and digits. */
  lake: string;
  workspace: string;
  /** The workspace's own storage account (AML system datastores). */
  workspaceStorage: string;
  keyVault: string;
  containerRegistry: string;
  logAnalytics: string;
  appInsights: string;
  /** AML compute names are scoped to the workspace: 2-16 characters. */
  computeCluster: string;
  databricks: string;
  databricksManagedResourceGroup: string;
  synapse: string;
  synapseManagedResourceGroup: string;
  /** Synapse pool names: letters and digits, at most 15. */
  sparkPool: string;
  sqlPool: string;
  /** Serverless SQL database that holds the predictions view. */
  predictionsDatabase: string;
  aks: string;
  aksNodeResourceGroup: string;
  vnet: string;
  identity: (role: IdentityRole) => string;
}

export function resourceNames(prefix: string, environment: Environment): ResourceNames {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`prefix '${prefix}' must match ${PREFIX_PATTERN} (a letter, then 1-9 letters or digits)`);
  }
  const dashed = `${prefix}-${environment}`;
  const flat = `${prefix}${environment}`;
  return {
    resourceGroup: `${dashed}-rg`,
    lake: `${flat}lake`,
    workspace: `${dashed}-mlw`,
    workspaceStorage: `${flat}mlwst`,
    keyVault: `${dashed}-kv`,
    containerRegistry: `${flat}acr`,
    logAnalytics: `${dashed}-log`,
    appInsights: `${dashed}-appi`,
    computeCluster: 'cpu-cluster',
    databricks: `${dashed}-dbw`,
    databricksManagedResourceGroup: `${dashed}-dbw-managed-rg`,
    synapse: `${dashed}-syn`,
    synapseManagedResourceGroup: `${dashed}-syn-managed-rg`,
    sparkPool: 'mmspark',
    sqlPool: 'mmdw',
    predictionsDatabase: 'manymodels',
    aks: `${dashed}-aks`,
    aksNodeResourceGroup: `${dashed}-aks-nodes-rg`,
    vnet: `${dashed}-vnet`,
    identity: (role) => `${dashed}-id-${role}`,
  };
}

/** The workspace pair every environment file names (training reads dev, promotion writes prod). */
export function workspacePair(prefix: string) {
  const dev = resourceNames(prefix, 'dev');
  const prod = resourceNames(prefix, 'prod');
  return {
    devWorkspace: dev.workspace,
    devResourceGroup: dev.resourceGroup,
    prodWorkspace: prod.workspace,
    prodResourceGroup: prod.resourceGroup,
  };
}

/** Suffix shared by every dev resource group, whatever the prefix; the policy pack keys on it. */
export const DEV_RESOURCE_GROUP_PATTERN = '-dev-rg$';
/** Suffix shared by every prod workspace, whatever the prefix; the promotion gate keys on it. */
export const PROD_WORKSPACE_PATTERN = '-prod-mlw$';
