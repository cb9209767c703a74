import * as authorization from '@pulumi/azure-native/authorization/index.js';
import * as resources from '@pulumi/azure-native/resources/index.js';
import * as pulumi from '@pulumi/pulumi';
import { accessPlan, CLUSTER_IDENTITY, STACK_IDENTITIES } from './access-plan.ts';
import { Access } from './components/access.ts';
import type { Aks } from './components/aks.ts';
import { ComputeCluster } from './components/compute-cluster.ts';
import { type DataLake, RAW_CONTAINER } from './components/data-lake.ts';
import type { Databricks } from './components/databricks.ts';
import type { Identities } from './components/identities.ts';
import { MlWorkspace } from './components/ml-workspace.ts';
import { Diagnostics, Monitoring } from './components/monitoring.ts';
import { Network } from './components/network.ts';
import type { ScoringService } from './components/scoring-service.ts';
import { SYNAPSE_FILESYSTEM, type Synapse } from './components/synapse.ts';
import type { InfraConfig } from './config.ts';
import * as family from './families.ts';
import { resourceNames } from './naming.ts';
import { deployScoringService } from './serving.ts';
import { type StackOutputInputs, stackOutputs } from './stack-outputs.ts';
import { standardTags } from './tags.ts';

export type { StackOutputInputs };

export interface BuiltStack {
  outputs: StackOutputInputs;
  lake: DataLake;
  workspace: MlWorkspace;
  cluster: ComputeCluster;
  identities: Identities;
  access: Access;
  monitoring: Monitoring;
  diagnostics: Diagnostics;
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
  const f: family.Family = { config, names, placement, privateLinks: network?.privateLinks() };

  const monitoring = new Monitoring('monitoring', {
    ...placement,
    workspaceName: names.logAnalytics,
    ...config.monitoring,
  });
  const lake = family.dataLake(f);
  const identities = family.identities(f);
  const workspace = new MlWorkspace('workspace', {
    ...placement,
    environment: env,
    names,
    tenantId: client.tenantId,
    subscriptionId: client.subscriptionId,
    logAnalyticsWorkspaceId: monitoring.workspaceId,
    lake: {
      accountName: lake.accountName,
      datastores: { mm_raw: RAW_CONTAINER, mm_lake: config.lake.container },
    },
    privateLinks: f.privateLinks,
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
  const databricks = family.databricks(f, {
    subscriptionId: client.subscriptionId,
    amlWorkspaceId: workspace.workspaceId,
  });
  const synapse = family.synapse(f, { lake, tenantId: client.tenantId });
  const aks = family.aks(f, { tenantId: client.tenantId, subnetId: network?.aksSubnetId });

  // Scoring pods run as the scoring identity through workload identity: no secret in the cluster.
  const scoringFederation = aks
    ? identities.federate('scoring', {
        issuer: aks.oidcIssuerUrl,
        subject: `system:serviceaccount:${config.aks.namespace}:${config.aks.serviceAccount}`,
      })
    : undefined;
  const devRefs = env === 'prod' && config.devStack ? devStackRefs(config.devStack) : undefined;
  const access = new Access('access', {
    subscriptionId: client.subscriptionId,
    customRoleScope: group.id,
    customRoleSuffix: names.resourceGroup,
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
        ? {
            principalId: synapse.principalId,
            filesystemId: lake.containerId(SYNAPSE_FILESYSTEM),
            runsSpark: config.computeEngine === 'synapse-spark',
          }
        : undefined,
      databricks: databricks ? { connectorPrincipalId: databricks.connectorPrincipalId } : undefined,
      aks: aks
        ? {
            clusterId: aks.clusterId,
            kubeletObjectId: aks.kubeletObjectId,
            deployer: config.aks.scoring !== undefined ? config.aks.deployer : undefined,
          }
        : undefined,
      dev: devRefs,
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

  const diagnostics = new Diagnostics('diagnostics', {
    workspaceId: monitoring.workspaceId,
    targets: [
      ...monitoring.diagnostics,
      ...lake.diagnostics,
      ...workspace.diagnostics,
      ...(databricks?.diagnostics ?? []),
      ...(synapse?.diagnostics ?? []),
      ...(aks?.diagnostics ?? []),
    ],
  });

  const outputs = stackOutputs({
    config,
    subscriptionId: client.subscriptionId,
    resourceGroupName: group.name,
    lake,
    workspace,
    cluster,
    identities,
    synapse,
    aks,
    scoring,
    databricks,
    devLake: devRefs
      ? { blobEndpoint: devRefs.lakeBlobEndpoint, container: devRefs.lakeContainer }
      : undefined,
  });
  return {
    outputs,
    lake,
    workspace,
    cluster,
    identities,
    access,
    monitoring,
    diagnostics,
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
    // Where the promotion stage reads candidates from (storage.candidates of environments/prod.yaml); optional,
    // so a dev stack deployed before these outputs existed still previews (prod.yaml then has no candidates).
    lakeBlobEndpoint: ref.getOutput('lakeBlobEndpoint') as pulumi.Output<string>,
    lakeContainer: ref.getOutput('lakeContainer') as pulumi.Output<string>,
  };
}
