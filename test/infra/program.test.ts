import { describe, expect, it } from 'vitest';
import type { InfraConfig } from '../../infra/config.ts';
import { buildStack } from '../../infra/program.ts';
import { BUILT_IN_ROLES } from '../../infra/roles.ts';
import { installMocks, type Recorder, resolve, SUBSCRIPTION, settle, stackConfig } from './harness.ts';

const DEV_WS = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.MachineLearningServices/workspaces/mm-dev-mlw`;
const DEV_LAKE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.Storage/storageAccounts/mmdevlake/blobServices/default/containers/lake`;

async function build(config: InfraConfig) {
  const rec = await installMocks({
    stack: config.environment,
    stackOutputs: { workspaceId: DEV_WS, lakeContainerId: DEV_LAKE },
  });
  const stack = buildStack(config);
  const outputs = await resolve(stack.outputs);
  await settle();
  return { rec, stack, outputs };
}

const families = (rec: Recorder) =>
  new Set(rec.declared.filter((d) => d.type.startsWith('many-models:')).map((d) => d.type));
const assignments = (rec: Recorder) => rec.of('azure-native:authorization:RoleAssignment');

describe('the infrastructure program', () => {
  it('constructs the dev stack and outputs what environments/dev.yaml needs', async () => {
    const { rec, outputs } = await build(stackConfig('dev'));
    expect([...families(rec)].sort()).toEqual([
      'many-models:infra:Access',
      'many-models:infra:ComputeCluster',
      'many-models:infra:DataLake',
      'many-models:infra:Databricks',
      'many-models:infra:Identities',
      'many-models:infra:MlWorkspace',
    ]);
    expect(outputs).toMatchObject({
      environment: 'dev',
      subscriptionId: SUBSCRIPTION,
      resourceGroupName: 'mm-dev-rg',
      lakeAccountName: 'mmdevlake',
      lakeBlobEndpoint: 'https://mmdevlake.blob.core.windows.net/',
      lakeContainer: 'lake',
      lakeContainerId: DEV_LAKE,
      workspaceName: 'mm-dev-mlw',
      devWorkspaceName: 'mm-dev-mlw',
      prodWorkspaceName: 'mm-prod-mlw',
      prodResourceGroupName: 'mm-prod-rg',
      computeClusterName: 'cpu-cluster',
      computeMaxNodes: 4,
      containerRegistryLoginServer: 'mmdevacr.azurecr.io',
    });
    expect(Object.keys(outputs.identityClientIds).sort()).toEqual(['dataprep', 'training']);
    expect(outputs.databricksWorkspaceUrl).toMatch(/azuredatabricks\.net$/);
    expect(outputs.synapseServerlessSqlEndpoint).toBeUndefined();
    // Every resource of the dev stack lives in the dev resource group.
    for (const d of rec.declared) {
      if (typeof d.inputs.resourceGroupName === 'string')
        expect(d.inputs.resourceGroupName).toBe('mm-dev-rg');
    }
  });

  it('constructs the prod stack with Synapse, AKS, and the promotion identity reading dev through the stack reference', async () => {
    const { rec, outputs } = await build(stackConfig('prod'));
    expect(families(rec)).toEqual(
      new Set([
        'many-models:infra:Access',
        'many-models:infra:Aks',
        'many-models:infra:ComputeCluster',
        'many-models:infra:DataLake',
        'many-models:infra:Identities',
        'many-models:infra:MlWorkspace',
        'many-models:infra:Synapse',
      ]),
    );
    expect(outputs).toMatchObject({
      environment: 'prod',
      resourceGroupName: 'mm-prod-rg',
      workspaceName: 'mm-prod-mlw',
      synapseServerlessSqlEndpoint: 'mm-prod-syn-ondemand.sql.azuresynapse.net',
      synapseDatabase: 'manymodels',
      aksClusterName: 'mm-prod-aks',
      aksComputeName: 'aks-scoring',
      aksNamespace: 'mm-serving',
      aksServiceAccount: 'mm-scoring',
    });
    const promotion = rec.one(
      'azure-native:managedidentity:UserAssignedIdentity',
      (d) => d.inputs.resourceName === 'mm-prod-id-promotion',
    );
    const promotionGrants = assignments(rec).filter(
      (a) => a.inputs.principalId === promotion.state.principalId,
    );
    expect(promotionGrants.map((a) => a.inputs.scope)).toEqual(expect.arrayContaining([DEV_WS, DEV_LAKE]));
    const scoring = rec.one(
      'azure-native:managedidentity:UserAssignedIdentity',
      (d) => d.inputs.resourceName === 'mm-prod-id-scoring',
    );
    expect(rec.one('azure-native:synapse:WorkspaceAadAdmin').inputs).toMatchObject({
      sid: scoring.state.clientId,
    });
    // The scoring pods' service account is federated to the scoring identity through the cluster's OIDC issuer.
    const fic = rec.one('azure-native:managedidentity:FederatedIdentityCredential');
    expect(fic.inputs).toMatchObject({
      resourceName: 'mm-prod-id-scoring',
      subject: 'system:serviceaccount:mm-serving:mm-scoring',
    });
    expect(fic.inputs.issuer).toBe(outputs.aksOidcIssuerUrl);
  });

  it('lets only the promotion identity write to the prod workspace', async () => {
    const { rec } = await build(stackConfig('prod'));
    const ws = rec.one('azure-native:machinelearningservices:Workspace');
    const writers = assignments(rec).filter(
      (a) =>
        a.inputs.scope === ws.id &&
        String(a.inputs.roleDefinitionId).endsWith(BUILT_IN_ROLES.azureMlDataScientist),
    );
    const promotion = rec.one(
      'azure-native:managedidentity:UserAssignedIdentity',
      (d) => d.inputs.resourceName === 'mm-prod-id-promotion',
    );
    expect(writers.map((a) => a.inputs.principalId)).toEqual([promotion.state.principalId]);
    const onWorkspace = assignments(rec).filter((a) => a.inputs.scope === ws.id);
    expect(onWorkspace.map((a) => String(a.inputs.roleDefinitionId).split('/').pop()).sort()).toEqual(
      [BUILT_IN_ROLES.azureMlDataScientist, BUILT_IN_ROLES.reader].sort(),
    );
  });

  it.each([
    ['enableDatabricks', 'dev', 'many-models:infra:Databricks', 'azure-native:databricks:Workspace'],
    ['enableSynapse', 'prod', 'many-models:infra:Synapse', 'azure-native:synapse:Workspace'],
    ['enableAks', 'prod', 'many-models:infra:Aks', 'azure-native:containerservice:ManagedCluster'],
  ] as const)('removes its family when %s is off (%s stack)', async (flag, stack, family, resource) => {
    const { rec, outputs } = await build(stackConfig(stack, { [flag]: false }));
    expect(families(rec).has(family)).toBe(false);
    expect(rec.of(resource)).toEqual([]);
    expect(Object.keys(outputs).some((k) => k.startsWith(flag.replace('enable', '').toLowerCase()))).toBe(
      false,
    );
  });

  it('adds Synapse to dev with its grants when turned on there', async () => {
    const { rec } = await build(stackConfig('dev', { enableSynapse: true }));
    const syn = rec.one('azure-native:synapse:Workspace');
    const principal = (syn.state.identity as { principalId: string }).principalId;
    expect(
      assignments(rec)
        .filter((a) => a.inputs.principalId === principal)
        .map((a) => String(a.inputs.scope).split('/').pop())
        .sort(),
    ).toEqual(['lake', 'synapse']);
  });

  it('deploys the scoring service into the cluster once its image is configured', async () => {
    const prod = stackConfig('prod');
    const image = 'mmprodacr.azurecr.io/many-models-serve:1.0.0';
    const { rec, outputs } = await build(
      stackConfig('prod', { aks: { ...prod.aks, scoring: { image, configFile: 'configs/demo.yaml' } } }),
    );
    expect(families(rec).has('many-models:infra:ScoringService')).toBe(true);
    const provider = rec.one('pulumi:providers:kubernetes');
    expect(JSON.stringify(provider.inputs.kubeconfig)).toContain('azurecli');
    const account = rec.one('kubernetes:core/v1:ServiceAccount');
    const scoring = rec.one(
      'azure-native:managedidentity:UserAssignedIdentity',
      (d) => d.inputs.resourceName === 'mm-prod-id-scoring',
    );
    expect(account.inputs).toMatchObject({
      metadata: {
        name: 'mm-scoring',
        namespace: 'mm-serving',
        annotations: { 'azure.workload.identity/client-id': scoring.state.clientId },
      },
    });
    const deployment = rec.one('kubernetes:apps/v1:Deployment');
    expect(JSON.stringify(deployment.inputs)).toContain(image);
    const cluster = rec.one('azure-native:containerservice:ManagedCluster');
    const admin = assignments(rec).filter((a) =>
      String(a.inputs.roleDefinitionId).endsWith(BUILT_IN_ROLES.aksRbacClusterAdmin),
    );
    expect(admin.map((a) => [a.inputs.scope, a.inputs.principalType])).toEqual([
      [cluster.id, 'ServicePrincipal'],
    ]);
    expect(outputs.scoringServiceUrl).toBe('http://mm-scoring.mm-serving.svc.cluster.local/v1/forecast');
  });

  it('leaves the cluster empty (and grants no cluster admin) until the scoring image is configured', async () => {
    const { rec, outputs } = await build(stackConfig('prod'));
    expect(families(rec).has('many-models:infra:ScoringService')).toBe(false);
    expect(rec.of('pulumi:providers:kubernetes')).toEqual([]);
    expect(
      assignments(rec).filter((a) =>
        String(a.inputs.roleDefinitionId).endsWith(BUILT_IN_ROLES.aksRbacClusterAdmin),
      ),
    ).toEqual([]);
    expect(outputs.scoringServiceUrl).toBeUndefined();
  });

  it('makes everything private when enablePrivateNetworking is on', async () => {
    const { rec } = await build(stackConfig('prod', { enablePrivateNetworking: true }));
    expect(families(rec).has('many-models:infra:Network')).toBe(true);
    for (const type of [
      'azure-native:storage:StorageAccount',
      'azure-native:containerregistry:Registry',
      'azure-native:machinelearningservices:Workspace',
      'azure-native:synapse:Workspace',
    ]) {
      for (const d of rec.of(type)) expect(d.inputs.publicNetworkAccess).toBe('Disabled');
    }
    const vault = rec.one('azure-native:keyvault:Vault');
    expect((vault.inputs.properties as { publicNetworkAccess: string }).publicNetworkAccess).toBe('Disabled');
    expect(rec.one('azure-native:containerservice:ManagedCluster').inputs.apiServerAccessProfile).toEqual({
      enablePrivateCluster: true,
    });
    const compute = rec.one(
      'azure-native:machinelearningservices:Compute',
      (d) => d.inputs.computeName === 'cpu-cluster',
    );
    expect(compute.inputs.properties).toMatchObject({
      properties: { enableNodePublicIp: false, subnet: { id: expect.stringMatching(/snet-compute$/) } },
    });
    const endpoints = rec
      .of('azure-native:network:PrivateEndpoint')
      .map((e) => String(e.inputs.privateEndpointName));
    expect(endpoints.sort()).toEqual([
      'mm-prod-kv-pe-vault',
      'mm-prod-mlw-pe-amlworkspace',
      'mm-prod-syn-pe-dev',
      'mm-prod-syn-pe-sqlondemand',
      'mmprodacr-pe-registry',
      'mmprodlake-pe-blob',
      'mmprodlake-pe-dfs',
      'mmprodmlwst-pe-blob',
      'mmprodmlwst-pe-file',
    ]);
  });
});
