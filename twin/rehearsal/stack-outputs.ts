import type { StackOutputs } from '../../infra/outputs.ts';
import type { TwinEstate } from '../rbac/estate.ts';

/**
 * What `pulumi stack output --json` would print for the twin's dev or prod stack (infra/outputs.ts). The prod stack
 * has Synapse on, as the default prod deployment does: its serverless SQL endpoint is the twin's
 * (twin/synapse-sql/), so the score stage refreshes the views for real.
 */
export function twinStackOutputs(estate: TwinEstate, environment: 'dev' | 'prod'): StackOutputs {
  const names = estate.names[environment];
  const identityClientIds: Record<string, string> = {};
  for (const p of estate.principals.filter((p) => p.environment === environment)) {
    identityClientIds[p.name.split('/')[1]!] = p.clientId;
  }
  return {
    environment,
    location: 'westeurope',
    subscriptionId: estate.subscriptionId,
    resourceGroupName: names.resourceGroup,
    lakeAccountName: names.lake,
    lakeBlobEndpoint: `https://${names.lake}.blob.core.windows.net/`,
    lakeDfsEndpoint: `https://${names.lake}.dfs.core.windows.net/`,
    lakeContainer: 'lake',
    lakeContainerId: estate.containerId(environment, 'lake'),
    workspaceName: names.workspace,
    workspaceId: estate.workspaceId(environment),
    devWorkspaceName: estate.names.dev.workspace,
    devResourceGroupName: estate.names.dev.resourceGroup,
    prodWorkspaceName: estate.names.prod.workspace,
    prodResourceGroupName: estate.names.prod.resourceGroup,
    computeClusterName: names.computeCluster,
    computeMaxNodes: 2,
    containerRegistryLoginServer: `${names.containerRegistry}.azurecr.io`,
    identityClientIds,
    ...(environment === 'prod'
      ? {
          devLakeBlobEndpoint: `https://${estate.names.dev.lake}.blob.core.windows.net/`,
          devLakeContainer: 'lake',
          synapseWorkspaceName: names.synapse,
          synapseServerlessSqlEndpoint: `${names.synapse}-ondemand.sql.azuresynapse.net`,
          synapseDatabase: names.predictionsDatabase,
        }
      : {}),
  };
}
