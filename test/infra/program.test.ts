import { describe, expect, it } from 'vitest';
import type { InfraConfig } from '../../infra/config.ts';
import { buildStack } from '../../infra/program.ts';
import { BUILT_IN_ROLES, type BuiltInRoleName, type RolePermissions } from '../../infra/roles.ts';
import { operationMatches, ROLE_PERMISSIONS } from '../../twin/rbac/roles.ts';
import { installMocks, type Recorder, resolve, SUBSCRIPTION, settle, stackConfig } from './harness.ts';

const DEV_WS = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.MachineLearningServices/workspaces/mm-dev-mlw`;
const DEV_LAKE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.Storage/storageAccounts/mmdevlake/blobServices/default/containers/lake`;
const DEV_ACR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.ContainerRegistry/registries/mmdevacr`;

async function build(config: InfraConfig) {
  const rec = await installMocks({
    stack: config.environment,
    stackOutputs: { workspaceId: DEV_WS, lakeContainerId: DEV_LAKE, containerRegistryId: DEV_ACR },
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
      'many-models:infra:Diagnostics',
      'many-models:infra:Identities',
      'many-models:infra:MlWorkspace',
      'many-models:infra:Monitoring',
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
    expect(outputs.databricksWorkspaceUrl).toBeUndefined();
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
        'many-models:infra:Diagnostics',
        'many-models:infra:Identities',
        'many-models:infra:MlWorkspace',
        'many-models:infra:Monitoring',
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
    // Issue 18 item 12: an Entra group administers SQL, never a job identity.
    expect(rec.one('azure-native:synapse:WorkspaceAadAdmin').inputs).toMatchObject({
      administratorType: 'ActiveDirectory',
      sid: '00000000-0000-0000-0000-00000000a001',
      login: 'many-models-synapse-admins',
    });
    expect(rec.of('azure-native:synapse:IpFirewallRule')).toEqual([]);
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
    // What each assignment on the prod workspace permits, from the definition it points at: a built-in role as
    // Azure defines it (twin/rbac/roles.ts), a custom role as this stack deploys it (its RoleDefinition).
    const permissionsOf = (definitionId: string): RolePermissions => {
      const custom = rec.byId(definitionId);
      if (custom) return (custom.inputs.permissions as RolePermissions[])[0] as RolePermissions;
      const name = Object.entries(BUILT_IN_ROLES).find(([, id]) => definitionId.endsWith(id))?.[0];
      return ROLE_PERMISSIONS[name as BuiltInRoleName];
    };
    const allows = (p: RolePermissions, action: string) =>
      p.actions.some((a) => operationMatches(a, action)) &&
      !p.notActions.some((a) => operationMatches(a, action));
    const principal = (id: unknown) =>
      rec.one('azure-native:managedidentity:UserAssignedIdentity', (d) => d.state.principalId === id).inputs
        .resourceName;
    const MLW = 'Microsoft.MachineLearningServices/workspaces';
    const onWorkspace = assignments(rec).filter((a) => a.inputs.scope === ws.id);
    const who = (action: string) =>
      onWorkspace
        .filter((a) => allows(permissionsOf(String(a.inputs.roleDefinitionId)), `${MLW}/${action}`))
        .map((a) => principal(a.inputs.principalId))
        .sort();
    expect(who('models/versions/write')).toEqual(['mm-prod-id-promotion']);
    expect(who('models/write')).toEqual(['mm-prod-id-promotion']);
    // Score submits its job on the prod cluster (its environment version, then the job): the scoring identity
    // can, without any model write (the known gap of the last session: it had Reader only).
    expect(who('jobs/write')).toEqual(['mm-prod-id-promotion', 'mm-prod-id-scoring']);
    expect(who('environments/versions/write')).toEqual(['mm-prod-id-promotion', 'mm-prod-id-scoring']);
    expect(who('models/versions/read')).toEqual([
      'mm-prod-id-auditor',
      'mm-prod-id-promotion',
      'mm-prod-id-scoring',
    ]);
  });

  // Issue 18 item 14: a job on a cluster can act as any identity assigned to it, so each cluster gets one.
  it.each(['dev', 'prod'] as const)('gives the %s compute cluster exactly one identity', async (env) => {
    const { rec } = await build(stackConfig(env));
    const compute = rec.one('azure-native:machinelearningservices:Compute');
    const identity = compute.inputs.identity as { userAssignedIdentities: string[] };
    expect(identity.userAssignedIdentities).toEqual([
      expect.stringMatching(new RegExp(`/mm-${env}-id-${env === 'dev' ? 'training' : 'scoring'}$`)),
    ]);
  });

  // Item 7: an idle Databricks workspace bills its NAT gateway and public IP; dev has it only for Spark.
  it('provisions Databricks in dev only when the databricks engine is selected', async () => {
    expect((await build(stackConfig('dev'))).rec.of('azure-native:databricks:Workspace')).toEqual([]);
    const { rec } = await build(stackConfig('dev', { computeEngine: 'databricks' }));
    expect(rec.of('azure-native:databricks:Workspace')).toHaveLength(1);
  });

  // Item 7: what the Spark job needs is provisioned with its engine, and only then.
  it('with the databricks engine: the job cluster spec as an output and an access connector that may write the lake', async () => {
    const dev = stackConfig('dev');
    expect((await build(dev)).rec.of('azure-native:databricks:AccessConnector')).toEqual([]);
    const config = stackConfig('dev', {
      computeEngine: 'databricks',
      databricks: {
        ...dev.databricks,
        jobCluster: { sparkVersion: '15.4.x-scala2.12', nodeType: 'Standard_E8ds_v5', workers: 4 },
      },
    });
    const { rec, outputs } = await build(config);
    expect(outputs.databricksJobCluster).toEqual({
      sparkVersion: '15.4.x-scala2.12',
      nodeType: 'Standard_E8ds_v5',
      workers: 4,
    });
    const connector = rec.one('azure-native:databricks:AccessConnector');
    expect(outputs.databricksAccessConnectorId).toBe(connector.id);
    const lake = rec.one('azure-native:storage:BlobContainer', (d) => d.inputs.containerName === 'lake');
    const onLake = assignments(rec).filter(
      (a) => a.inputs.principalId === (connector.state.identity as { principalId: string }).principalId,
    );
    expect(onLake.map((a) => [a.inputs.scope, String(a.inputs.roleDefinitionId).split('/').pop()])).toEqual([
      [lake.id, BUILT_IN_ROLES.storageBlobDataContributor],
    ]);
  });

  it('with the synapse-spark engine, dev gets Synapse and its Spark pool, and the Spark jobs may write the lake', async () => {
    expect((await build(stackConfig('dev'))).rec.of('azure-native:synapse:BigDataPool')).toEqual([]);
    const dev = stackConfig('dev');
    const { rec, outputs } = await build(
      stackConfig('dev', {
        computeEngine: 'synapse-spark',
        synapse: { ...dev.synapse, adminObjectId: '3f1b2c4d-1111-4222-8333-944455556666' },
      }),
    );
    expect(rec.of('azure-native:synapse:BigDataPool')).toHaveLength(1);
    expect(outputs.synapseSparkPool).toBe('mmspark');
    const synapse = rec.one('azure-native:synapse:Workspace');
    const principalId = (synapse.state.identity as { principalId: string }).principalId;
    const lake = rec.one('azure-native:storage:BlobContainer', (d) => d.inputs.containerName === 'lake');
    const writes = assignments(rec).filter(
      (a) =>
        a.inputs.principalId === principalId &&
        a.inputs.scope === lake.id &&
        String(a.inputs.roleDefinitionId).endsWith(BUILT_IN_ROLES.storageBlobDataContributor),
    );
    expect(writes).toHaveLength(1);
  });

  // Item 2: nothing submits Azure ML work to AKS; the extension does not support local accounts disabled.
  it('installs no Azure ML extension and attaches no Kubernetes compute to the scoring cluster', async () => {
    const { rec } = await build(stackConfig('prod'));
    expect(rec.of('azure-native:kubernetesconfiguration:Extension')).toEqual([]);
    const computes = rec.of('azure-native:machinelearningservices:Compute');
    expect(computes.map((c) => (c.inputs.properties as { computeType: string }).computeType)).toEqual([
      'AmlCompute',
    ]);
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
    const synapse = { adminObjectId: '00000000-0000-0000-0000-00000000000a' };
    const { rec } = await build(stackConfig('dev', { enableSynapse: true, synapse }));
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
    // Item 4: the configured deployer, not whoever runs the program (the mocks' client is fakeGuid('ci-o')).
    expect(admin.map((a) => [a.inputs.scope, a.inputs.principalType, a.inputs.principalId])).toEqual([
      [cluster.id, 'ServicePrincipal', '00000000-0000-0000-0000-00000000a002'],
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
});
