import * as pulumi from '@pulumi/pulumi';
import { STACK_IDENTITIES } from './access-plan.ts';
import type { Aks } from './components/aks.ts';
import type { ComputeCluster } from './components/compute-cluster.ts';
import type { DataLake } from './components/data-lake.ts';
import type { Databricks } from './components/databricks.ts';
import type { Identities } from './components/identities.ts';
import type { MlWorkspace } from './components/ml-workspace.ts';
import type { ScoringService } from './components/scoring-service.ts';
import type { Synapse } from './components/synapse.ts';
import type { InfraConfig } from './config.ts';
import { resourceNames, workspacePair } from './naming.ts';
import type { StackOutputs } from './outputs.ts';

export type StackOutputInputs = { [K in keyof StackOutputs]: pulumi.Input<StackOutputs[K]> };

export interface OutputSources {
  config: InfraConfig;
  subscriptionId: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  lake: DataLake;
  workspace: MlWorkspace;
  cluster: ComputeCluster;
  identities: Identities;
  synapse?: Synapse | undefined;
  aks?: Aks | undefined;
  scoring?: ScoringService | undefined;
  databricks?: Databricks | undefined;
  /** The dev stack's lake, in prod: where the promotion stage reads candidates. */
  devLake?: { blobEndpoint: pulumi.Input<string>; container: pulumi.Input<string> } | undefined;
}

/** The outputs environments/<env>.yaml and the pipelines read (schema: outputs.ts). */
export function stackOutputs(s: OutputSources): StackOutputInputs {
  const { config, lake, workspace } = s;
  const env = config.environment;
  const pair = workspacePair(config.prefix);
  const roles = STACK_IDENTITIES[env];
  const outputs: StackOutputInputs = {
    environment: env,
    location: config.location,
    subscriptionId: s.subscriptionId,
    resourceGroupName: s.resourceGroupName,
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
    computeClusterName: s.cluster.clusterName,
    computeMaxNodes: s.cluster.maxNodes,
    containerRegistryLoginServer: workspace.registryLoginServer,
    containerRegistryId: workspace.registryId,
    identityClientIds: pulumi.all(
      Object.fromEntries(roles.map((role) => [role, s.identities.get(role).clientId])),
    ) as pulumi.Output<Record<string, string>>,
  };
  if (s.synapse) {
    outputs.synapseWorkspaceName = s.synapse.workspaceName;
    outputs.synapseServerlessSqlEndpoint = s.synapse.serverlessSqlEndpoint;
    outputs.synapseDatabase = resourceNames(config.prefix, env).predictionsDatabase;
  }
  if (s.aks) {
    outputs.aksClusterName = s.aks.clusterName;
    outputs.aksOidcIssuerUrl = s.aks.oidcIssuerUrl;
    outputs.aksNamespace = config.aks.namespace;
    outputs.aksServiceAccount = config.aks.serviceAccount;
  }
  if (s.devLake) {
    outputs.devLakeBlobEndpoint = s.devLake.blobEndpoint;
    outputs.devLakeContainer = s.devLake.container;
  }
  if (s.scoring) outputs.scoringServiceUrl = s.scoring.url;
  if (s.databricks) {
    outputs.databricksWorkspaceUrl = s.databricks.workspaceUrl;
    outputs.databricksJobCluster = { ...config.databricks.jobCluster };
    outputs.databricksAccessConnectorId = s.databricks.connectorId;
  }
  if (s.synapse) outputs.synapseSparkPool = resourceNames(config.prefix, env).sparkPool;
  return outputs;
}
