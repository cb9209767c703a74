import * as authorization from '@pulumi/azure-native/authorization/index.js';
import * as resources from '@pulumi/azure-native/resources/index.js';
import * as pulumi from '@pulumi/pulumi';
import { accessPlan, CLUSTER_IDENTITY, STACK_IDENTITIES } from './access-plan.ts';
import { Access } from './components/access.ts';
import { Aks } from './components/aks.ts';
import { ComputeCluster } from './components/compute-cluster.ts';
import { DataLake, RAW_CONTAINER } from './components/data-lake.ts';
import { Databricks } from './components/databricks.ts';
import { type Federation, Identities } from './components/identities.ts';
import { MlWorkspace } from './components/ml-workspace.ts';
import { Network } from './components/network.ts';
import type { ScoringService } from './components/scoring-service.ts';
import { SYNAPSE_FILESYSTEM, Synapse } from './components/synapse.ts';
import { databricksEnabled, type InfraConfig } from './config.ts';
import { type IdentityRole, resourceNames, workspacePair } from './naming.ts';
import type { StackOutputs } from './outputs.ts';
import { deployScoringService } from './serving.ts';
import { standardTags } from './tags.ts';

export type StackOutputInputs = { [K in keyof StackOutputs]: pulumi.Input<StackOutputs[K]> };

export interface BuiltStack {
  outputs: StackOutputInputs;
  lake: DataLake;
  workspace: MlWorkspace;
  cluster: ComputeCluster;
  identities: Identities;
  access: Access;
  network?: Network;
  databricks?: Databricks;
  synapse?: Synapse;
  aks?: Aks;
  scoring?: ScoringService;
}

export { STACK_IDENTITIES };

/** Declares one environment's estate. Pure in its inputs: tests call it with mocks for any config. */
export function buildStack(config: InfraConfig): BuiltStack {
  const env = config.environment;
  const names = resourceNames(config.prefix, env);
  const tags = standardTags(config);
  const client = authorization.getClientConfigOutput();
  const location = config.location;

  const group = new resources.ResourceGroup('resource-group', {
    resourceGroupName: names.resourceGroup,
    location,
    tags: { ...tags },
  });
  const placement = { resourceGroupName: group.name, location, tags };

  const network = config.enablePrivateNetworking
    ? new Network('network', { ...placement, name: names.vnet, addressSpace: config.addressSpace })
    : undefined;
  const privateLinks = network?.privateLinks();

  const lake = new DataLake('lake', {
    ...placement,
    accountName: names.lake,
    engineContainer: config.lake.container,
    sku: config.lake.sku,
    softDeleteDays: config.lake.softDeleteDays,
    coolAfterDays: config.lake.coolAfterDays,
    predictionsRetentionDays: config.lake.predictionsRetentionDays,
    extraContainers: config.enableSynapse ? [SYNAPSE_FILESYSTEM] : [],
    privateLinks,
  });

  const roles = STACK_IDENTITIES[env];
  const federations: Partial<Record<IdentityRole, Federation[]>> = {};
  for (const [role, federation] of Object.entries(config.federations) as [IdentityRole, Federation][]) {
    if (!roles.includes(role))
      throw new Error(`many-models:federations.${role}: the ${env} stack has no ${role} identity`);
    federations[role] = [federation];
  }
  const identities = new Identities('identities', {
    ...placement,
    identities: Object.fromEntries(roles.map((role) => [role, names.identity(role)])),
    federations,
  });

  const workspace = new MlWorkspace('workspace', {
    ...placement,
    environment: env,
    names,
    tenantId: client.tenantId,
    subscriptionId: client.subscriptionId,
    lake: {
      accountName: lake.accountName,
      datastores: { mm_raw: RAW_CONTAINER, mm_lake: config.lake.container },
    },
    privateLinks,
  });

  // One identity per cluster: a job on it can only ever act as that identity.
  const cluster = new ComputeCluster('compute', {
    ...placement,
    workspaceName: workspace.workspaceName,
    clusterName: names.computeCluster,
    ...config.compute,
    identityIds: [identities.get(CLUSTER_IDENTITY[env]).id],
    subnetId: network?.computeSubnetId,
  });

  const databricks = databricksEnabled(config)
    ? new Databricks('databricks', {
        ...placement,
        workspaceName: names.databricks,
        managedResourceGroupName: names.databricksManagedResourceGroup,
        subscriptionId: client.subscriptionId,
        noPublicIp: config.databricks.noPublicIp,
        amlWorkspaceId: workspace.workspaceId,
      })
    : undefined;

  const synapse = config.enableSynapse
    ? new Synapse('synapse', {
        ...placement,
        names,
        lake: { accountId: lake.accountId, dfsEndpoint: lake.dfsEndpoint },
        ...config.synapse,
        // An Entra group administers SQL; the scoring identity is a database user with only what the view
        // refresh needs (infra/synapse-grants.ts), never a server admin.
        sqlAdmin: config.synapse.adminObjectId
          ? { login: config.synapse.adminLogin, sid: config.synapse.adminObjectId, tenantId: client.tenantId }
          : undefined,
        privateLinks,
      })
    : undefined;

  const aks = config.enableAks
    ? new Aks('aks', {
        ...placement,
        names,
        tenantId: client.tenantId,
        ...config.aks,
        subnetId: network?.aksSubnetId,
        privateCluster: config.enablePrivateNetworking,
      })
    : undefined;
  // Scoring pods run as the scoring identity through workload identity: no secret in the cluster.
  const scoringFederation = aks
    ? identities.federate('scoring', {
        issuer: aks.oidcIssuerUrl,
        subject: `system:serviceaccount:${config.aks.namespace}:${config.aks.serviceAccount}`,
      })
    : undefined;
  const deploysScoring = aks !== undefined && config.aks.scoring !== undefined;

  const dev = env === 'prod' && config.devStack ? devStackRefs(config.devStack) : undefined;
  const access = new Access('access', {
    subscriptionId: client.subscriptionId,
    grants: accessPlan({
      environment: env,
      identities: identities.byRole,
      lake: { raw: lake.containerId(RAW_CONTAINER), engine: lake.containerId(config.lake.container) },
      workspace: {
        id: workspace.workspaceId,
        principalId: workspace.principalId,
        registryId: workspace.registryId,
      },
      synapse: synapse
        ? { principalId: synapse.principalId, filesystemId: lake.containerId(SYNAPSE_FILESYSTEM) }
        : undefined,
      aks: aks
        ? {
            clusterId: aks.clusterId,
            kubeletObjectId: aks.kubeletObjectId,
            deployer: deploysScoring ? config.aks.deployer : undefined,
          }
        : undefined,
      dev,
    }),
  });

  const scoring =
    aks && scoringFederation
      ? deployScoringService({
          config,
          resourceGroupName: group.name,
          clusterName: aks.clusterName,
          tenantId: client.tenantId,
          scoringClientId: identities.get('scoring').clientId,
          dependsOn: [access, scoringFederation],
        })
      : undefined;

  const pair = workspacePair(config.prefix);
  const outputs: StackOutputInputs = {
    environment: env,
    location,
    subscriptionId: client.subscriptionId,
    resourceGroupName: group.name,
    lakeAccountName: lake.accountName,
    lakeBlobEndpoint: lake.blobEndpoint,
    lakeDfsEndpoint: lake.dfsEndpoint,
    lakeContainer: config.lake.container,
    lakeContainerId: lake.containerId(config.lake.container),
    workspaceName: workspace.workspaceName,
    workspaceId: workspace.workspaceId,
    devWorkspaceName: pair.devWorkspace,
    devResourceGroupName: pair.devResourceGroup,
    prodWorkspaceName: pair.prodWorkspace,
    prodResourceGroupName: pair.prodResourceGroup,
    computeClusterName: cluster.clusterName,
    computeMaxNodes: cluster.maxNodes,
    containerRegistryLoginServer: workspace.registryLoginServer,
    containerRegistryId: workspace.registryId,
    identityClientIds: pulumi.all(
      Object.fromEntries(roles.map((role) => [role, identities.get(role).clientId])),
    ) as pulumi.Output<Record<string, string>>,
  };
  if (synapse) {
    outputs.synapseWorkspaceName = synapse.workspaceName;
    outputs.synapseServerlessSqlEndpoint = synapse.serverlessSqlEndpoint;
    outputs.synapseDatabase = names.predictionsDatabase;
  }
  if (aks) {
    outputs.aksClusterName = aks.clusterName;
    outputs.aksOidcIssuerUrl = aks.oidcIssuerUrl;
    outputs.aksNamespace = config.aks.namespace;
    outputs.aksServiceAccount = config.aks.serviceAccount;
  }
  if (scoring) outputs.scoringServiceUrl = scoring.url;
  if (databricks) outputs.databricksWorkspaceUrl = databricks.workspaceUrl;

  return {
    outputs,
    lake,
    workspace,
    cluster,
    identities,
    access,
    network,
    databricks,
    synapse,
    aks,
    scoring,
  };
}

/** The dev stack's outputs the prod stack needs; a missing output fails the preview with its name. */
function devStackRefs(devStack: string) {
  const ref = new pulumi.StackReference('dev-stack', { name: devStack });
  return {
    workspaceId: ref.requireOutput('workspaceId').apply(String),
    lakeContainerId: ref.requireOutput('lakeContainerId').apply(String),
    // The build identity pushes the runtime image for dev jobs (dev deploys first, so the output exists).
    registryId: ref.requireOutput('containerRegistryId').apply(String),
  };
}
