import * as applicationinsights from '@pulumi/azure-native/applicationinsights/index.js';
import * as containerregistry from '@pulumi/azure-native/containerregistry/index.js';
import * as keyvault from '@pulumi/azure-native/keyvault/index.js';
import * as ml from '@pulumi/azure-native/machinelearningservices/index.js';
import * as storage from '@pulumi/azure-native/storage/index.js';
import * as pulumi from '@pulumi/pulumi';
import { blobServiceId, type DiagnosticTarget } from '../diagnostics.ts';
import type { Environment, ResourceNames } from '../naming.ts';
import { COMPONENT, type PlacementArgs, type PrivateLinkArgs } from './common.ts';
import { PRIVATE_DNS_ZONES, privateEndpoint } from './network.ts';

export interface MlWorkspaceArgs extends PlacementArgs {
  environment: Environment;
  names: Pick<
    ResourceNames,
    'workspace' | 'workspaceStorage' | 'keyVault' | 'containerRegistry' | 'appInsights'
  >;
  tenantId: pulumi.Input<string>;
  /** The stack's Log Analytics workspace (components/monitoring.ts), behind Application Insights. */
  logAnalyticsWorkspaceId: pulumi.Input<string>;
  /** Identity-based ADLS Gen2 datastores on the lake: datastore name -> container. */
  lake: { accountName: pulumi.Input<string>; datastores: Readonly<Record<string, string>> };
  subscriptionId: pulumi.Input<string>;
  privateLinks?: PrivateLinkArgs;
}

/** Principal id of a system-assigned identity, failing loudly rather than granting a role to nobody. */
export function systemPrincipal(
  identity: pulumi.Output<{ principalId: string } | undefined>,
  what: string,
): pulumi.Output<string> {
  return identity.apply((i) => {
    if (!i?.principalId) throw new Error(`${what} has no system-assigned identity`);
    return i.principalId;
  });
}

/**
 * An Azure ML workspace with everything it depends on, each locked down: its own storage (Entra ID only), a
 * Key Vault with RBAC and purge protection, Application Insights on the stack's Log Analytics, a container registry without
 * an admin user, a system-assigned identity, and datastores on the lake.
 */
export class MlWorkspace extends pulumi.ComponentResource {
  readonly workspaceName: pulumi.Output<string>;
  readonly workspaceId: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;
  readonly keyVaultId: pulumi.Output<string>;
  readonly registryId: pulumi.Output<string>;
  readonly registryLoginServer: pulumi.Output<string>;
  readonly storageAccountId: pulumi.Output<string>;
  readonly datastoreNames: string[];
  readonly diagnostics: DiagnosticTarget<pulumi.Input<string>>[];

  constructor(name: string, args: MlWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.mlWorkspace, name, {}, opts);
    const parent = { parent: this };
    const isPrivate = args.privateLinks !== undefined;
    const publicAccess = isPrivate ? 'Disabled' : 'Enabled';
    const tags = { ...args.tags };
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location };

    const account = new storage.StorageAccount(
      `${name}-storage`,
      {
        ...placement,
        accountName: args.names.workspaceStorage,
        kind: 'StorageV2',
        sku: { name: 'Standard_LRS' },
        allowBlobPublicAccess: false,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: 'TLS1_2',
        // The workspace reaches its system datastores with its identity (systemDatastoresAuthMode below).
        // Shared-key auth stays on here (never on the lake): identity-only system datastores are a preview that
        // needs Storage File Data Privileged Contributor for every job identity on this account
        // (https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication).
        // With keys, jobs reach their snapshots and logs through the workspace's datastore credentials, which
        // only identities allowed workspaces/datastores/listsecrets/action can read (AzureML Data Scientist;
        // https://learn.microsoft.com/azure/machine-learning/how-to-administrate-data-authentication), and no
        // job identity needs a role on this account. Prod models live in the lake, not here.
        allowSharedKeyAccess: true,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        publicNetworkAccess: publicAccess,
        networkRuleSet: { defaultAction: isPrivate ? 'Deny' : 'Allow', bypass: 'AzureServices' },
        tags,
      },
      parent,
    );

    const vault = new keyvault.Vault(
      `${name}-kv`,
      {
        ...placement,
        vaultName: args.names.keyVault,
        properties: {
          tenantId: args.tenantId,
          sku: { family: 'A', name: 'standard' },
          enableRbacAuthorization: true,
          enablePurgeProtection: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.environment === 'prod' ? 90 : 7,
          publicNetworkAccess: publicAccess,
          networkAcls: { defaultAction: isPrivate ? 'Deny' : 'Allow', bypass: 'AzureServices' },
        },
        tags,
      },
      parent,
    );

    const insights = new applicationinsights.Component(
      `${name}-appi`,
      {
        ...placement,
        resourceName: args.names.appInsights,
        kind: 'web',
        applicationType: 'web',
        ingestionMode: 'LogAnalytics',
        workspaceResourceId: args.logAnalyticsWorkspaceId,
        disableLocalAuth: true,
        tags,
      },
      parent,
    );

    const registry = new containerregistry.Registry(
      `${name}-acr`,
      {
        ...placement,
        registryName: args.names.containerRegistry,
        // Private endpoints need Premium; Basic keeps an idle dev registry at a few euros a month.
        sku: { name: isPrivate ? 'Premium' : 'Basic' },
        adminUserEnabled: false,
        anonymousPullEnabled: false,
        publicNetworkAccess: publicAccess,
        tags,
      },
      parent,
    );

    const workspace = new ml.Workspace(
      `${name}-mlw`,
      {
        ...placement,
        workspaceName: args.names.workspace,
        friendlyName: `many-models ${args.environment}`,
        sku: { name: 'Basic', tier: 'Basic' },
        identity: { type: 'SystemAssigned' },
        storageAccount: account.id,
        keyVault: vault.id,
        applicationInsights: insights.id,
        containerRegistry: registry.id,
        systemDatastoresAuthMode: 'accessKey',
        // Private setups put compute in the stack's own subnet (customer VNet), hence no AML managed network.
        publicNetworkAccess: publicAccess,
        tags,
      },
      parent,
    );

    this.datastoreNames = [];
    for (const [datastoreName, container] of Object.entries(args.lake.datastores)) {
      new ml.Datastore(
        `${name}-ds-${datastoreName}`,
        {
          resourceGroupName: args.resourceGroupName,
          workspaceName: workspace.name,
          name: datastoreName,
          properties: {
            datastoreType: 'AzureDataLakeGen2',
            accountName: args.lake.accountName,
            filesystem: container,
            endpoint: 'core.windows.net',
            protocol: 'https',
            subscriptionId: args.subscriptionId,
            resourceGroup: args.resourceGroupName,
            // No secret is stored: jobs read the lake as the compute's identity.
            credentials: { credentialsType: 'None' },
            serviceDataAccessAuthIdentity: 'WorkspaceSystemAssignedIdentity',
            description: `the lake's ${container} container`,
          },
        },
        parent,
      );
      this.datastoreNames.push(datastoreName);
    }

    const links = args.privateLinks;
    if (links) {
      const endpoint = (
        targetId: pulumi.Input<string>,
        resourceName: string,
        groupId: string,
        zones: string[],
      ) =>
        privateEndpoint({ ...placement, name: resourceName, tags, links, targetId, groupId, zones }, parent);
      endpoint(account.id, args.names.workspaceStorage, 'blob', [PRIVATE_DNS_ZONES.blob]);
      endpoint(account.id, args.names.workspaceStorage, 'file', [PRIVATE_DNS_ZONES.file]);
      endpoint(vault.id, args.names.keyVault, 'vault', [PRIVATE_DNS_ZONES.vault]);
      endpoint(registry.id, args.names.containerRegistry, 'registry', [PRIVATE_DNS_ZONES.registry]);
      endpoint(workspace.id, args.names.workspace, 'amlworkspace', [
        PRIVATE_DNS_ZONES.amlApi,
        PRIVATE_DNS_ZONES.amlNotebooks,
      ]);
    }

    this.workspaceName = workspace.name;
    this.workspaceId = workspace.id;
    this.principalId = systemPrincipal(workspace.identity, `workspace ${args.names.workspace}`);
    this.keyVaultId = vault.id;
    this.registryId = registry.id;
    this.registryLoginServer = registry.loginServer;
    this.storageAccountId = account.id;
    this.diagnostics = [
      { name: 'workspace', kind: 'Microsoft.MachineLearningServices/workspaces', resourceId: workspace.id },
      { name: 'key-vault', kind: 'Microsoft.KeyVault/vaults', resourceId: vault.id },
      { name: 'registry', kind: 'Microsoft.ContainerRegistry/registries', resourceId: registry.id },
      { name: 'workspace-storage', kind: 'Microsoft.Storage/storageAccounts', resourceId: account.id },
      {
        name: 'workspace-storage-blob',
        kind: 'Microsoft.Storage/storageAccounts/blobServices',
        resourceId: account.id.apply(blobServiceId),
      },
    ];
    this.registerOutputs({ workspaceName: this.workspaceName, workspaceId: this.workspaceId });
  }
}
