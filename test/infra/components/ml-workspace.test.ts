import { beforeAll, describe, expect, it } from 'vitest';
import { MlWorkspace, type MlWorkspaceArgs } from '../../../infra/components/ml-workspace.ts';
import { PRIVATE_DNS_ZONES } from '../../../infra/components/network.ts';
import { resourceNames } from '../../../infra/naming.ts';
import {
  type Declared,
  installMocks,
  type Recorder,
  resolve,
  SUBSCRIPTION,
  settle,
  TENANT,
} from '../harness.ts';
import { fakePrivateLinks, placement } from './fixtures.ts';

const LOGS = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.OperationalInsights/workspaces/mm-dev-log`;

const args = (env: 'dev' | 'prod'): MlWorkspaceArgs => ({
  ...placement,
  environment: env,
  names: resourceNames('mm', env),
  tenantId: TENANT,
  subscriptionId: SUBSCRIPTION,
  logAnalyticsWorkspaceId: LOGS,
  lake: { accountName: 'mmdevlake', datastores: { mm_raw: 'raw', mm_lake: 'lake' } },
});

describe('MlWorkspace', () => {
  let rec: Recorder;
  let dev: MlWorkspace;
  const named = (type: string, key: string, value: string): Declared =>
    rec.one(type, (d) => d.inputs[key] === value);

  beforeAll(async () => {
    rec = await installMocks({ stack: 'dev' });
    dev = new MlWorkspace('dev', args('dev'));
    new MlWorkspace('prod', {
      ...args('prod'),
      privateLinks: fakePrivateLinks(Object.values(PRIVATE_DNS_ZONES)),
    });
    await settle();
  });

  it('creates the workspace with a system-assigned identity wired to its own dependencies', async () => {
    const ws = named('azure-native:machinelearningservices:Workspace', 'workspaceName', 'mm-dev-mlw');
    expect(ws.inputs).toMatchObject({
      identity: { type: 'SystemAssigned' },
      storageAccount: named('azure-native:storage:StorageAccount', 'accountName', 'mmdevmlwst').id,
      keyVault: named('azure-native:keyvault:Vault', 'vaultName', 'mm-dev-kv').id,
      applicationInsights: named('azure-native:applicationinsights:Component', 'resourceName', 'mm-dev-appi')
        .id,
      containerRegistry: named('azure-native:containerregistry:Registry', 'registryName', 'mmdevacr').id,
      // Issue 18 item 6: identity-only system datastores are a preview needing Storage File Data Privileged
      // Contributor for every job identity; key-based system datastores are GA and need no job role.
      systemDatastoresAuthMode: 'accessKey',
      publicNetworkAccess: 'Enabled',
      tags: placement.tags,
    });
    expect(await resolve(dev.principalId)).toBe((ws.state.identity as { principalId: string }).principalId);
  });

  it('gives the Key Vault RBAC authorization, soft delete and purge protection', () => {
    const vault = named('azure-native:keyvault:Vault', 'vaultName', 'mm-dev-kv');
    expect(vault.inputs.properties).toMatchObject({
      tenantId: TENANT,
      enableRbacAuthorization: true,
      enablePurgeProtection: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 7,
    });
    const prodVault = named('azure-native:keyvault:Vault', 'vaultName', 'mm-prod-kv');
    expect(prodVault.inputs.properties).toMatchObject({
      softDeleteRetentionInDays: 90,
      publicNetworkAccess: 'Disabled',
    });
  });

  it('locks down the workspace storage: no anonymous access, TLS 1.2; shared keys for the system datastores only', () => {
    expect(named('azure-native:storage:StorageAccount', 'accountName', 'mmdevmlwst').inputs).toMatchObject({
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      allowSharedKeyAccess: true,
      defaultToOAuthAuthentication: true,
    });
  });

  it("sends Application Insights to the stack's Log Analytics workspace, and the registry has no admin user or anonymous pull", () => {
    expect(
      named('azure-native:applicationinsights:Component', 'resourceName', 'mm-dev-appi').inputs,
    ).toMatchObject({
      workspaceResourceId: LOGS,
      ingestionMode: 'LogAnalytics',
      disableLocalAuth: true,
    });
    expect(named('azure-native:containerregistry:Registry', 'registryName', 'mmdevacr').inputs).toMatchObject(
      {
        sku: { name: 'Basic' },
        adminUserEnabled: false,
        anonymousPullEnabled: false,
      },
    );
  });

  it('points identity-based datastores at the lake containers, storing no secret', () => {
    const stores = rec
      .of('azure-native:machinelearningservices:Datastore')
      .filter((d) => d.inputs.workspaceName === 'mm-dev-mlw');
    expect(
      stores.map((d) => [d.inputs.name, (d.inputs.properties as { filesystem: string }).filesystem]),
    ).toEqual([
      ['mm_raw', 'raw'],
      ['mm_lake', 'lake'],
    ]);
    for (const store of stores) {
      expect(store.inputs.properties).toMatchObject({
        datastoreType: 'AzureDataLakeGen2',
        accountName: 'mmdevlake',
        credentials: { credentialsType: 'None' },
        serviceDataAccessAuthIdentity: 'WorkspaceSystemAssignedIdentity',
      });
    }
    expect(dev.datastoreNames).toEqual(['mm_raw', 'mm_lake']);
  });

  it('with private links: everything private, a Premium registry, and endpoints for each service', () => {
    const ws = named('azure-native:machinelearningservices:Workspace', 'workspaceName', 'mm-prod-mlw');
    expect(ws.inputs).toMatchObject({ publicNetworkAccess: 'Disabled' });
    // Compute sits in the stack's own subnet instead of an AML managed network.
    expect(ws.inputs.managedNetwork).toBeUndefined();
    expect(
      named('azure-native:containerregistry:Registry', 'registryName', 'mmprodacr').inputs,
    ).toMatchObject({
      sku: { name: 'Premium' },
      publicNetworkAccess: 'Disabled',
    });
    const endpoints = rec
      .of('azure-native:network:PrivateEndpoint')
      .map((e) => String(e.inputs.privateEndpointName));
    expect(endpoints.sort()).toEqual([
      'mm-prod-kv-pe-vault',
      'mm-prod-mlw-pe-amlworkspace',
      'mmprodacr-pe-registry',
      'mmprodmlwst-pe-blob',
      'mmprodmlwst-pe-file',
    ]);
  });
});
