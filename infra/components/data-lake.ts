import * as storage from '@pulumi/azure-native/storage/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { DiagnosticTarget } from '../diagnostics.ts';
import { DATA_LAKE_ROLE, withRole } from '../tags.ts';
import { COMPONENT, type PlacementArgs, type PrivateLinkArgs } from './common.ts';
import { PRIVATE_DNS_ZONES, privateEndpoint } from './network.ts';

/** Landing zone for source data (what a dataset config's `path` points at); ML identities only read it. */
export const RAW_CONTAINER = 'raw';

/**
 * The engine's filesystem (`storage.container` in environments/<env>.yaml, default 'lake'). The engine keeps the
 * lake layout of src/storage/layout.ts under it as prefixes: prepared/, runs/, registry/, predictions/, reports/.
 */
export const DEFAULT_ENGINE_CONTAINER = 'lake';

export interface DataLakeArgs extends PlacementArgs {
  accountName: string;
  /** The engine's container; lifecycle rules address its prepared/ and predictions/ prefixes. */
  engineContainer: string;
  sku: string;
  softDeleteDays: number;
  coolAfterDays: number;
  predictionsRetentionDays: number;
  /** More containers than raw and the engine's (Synapse needs one for its own workspace files). */
  extraContainers?: readonly string[];
  /** When given, public network access is off and the lake is reached through private endpoints. */
  privateLinks?: PrivateLinkArgs;
}

/**
 * ADLS Gen2 (hierarchical namespace) with the raw landing zone and the engine's container: no anonymous access, HTTPS and TLS 1.2
 * only, Entra ID instead of shared keys, soft delete, and lifecycle rules that keep idle data cheap.
 */
export class DataLake extends pulumi.ComponentResource {
  readonly accountName: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  readonly blobEndpoint: pulumi.Output<string>;
  readonly dfsEndpoint: pulumi.Output<string>;
  /** Container resource ids: the narrowest scope role assignments can use. */
  readonly containerIds: Record<string, pulumi.Output<string>>;
  readonly diagnostics: DiagnosticTarget<pulumi.Input<string>>[];

  constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.dataLake, name, {}, opts);
    const parent = { parent: this };
    const isPrivate = args.privateLinks !== undefined;

    const account = new storage.StorageAccount(
      `${name}-account`,
      {
        accountName: args.accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'StorageV2',
        sku: { name: args.sku },
        accessTier: 'Hot',
        isHnsEnabled: true,
        allowBlobPublicAccess: false,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: 'TLS1_2',
        // Every reader (AML, Synapse, Databricks, the steps) authenticates with Entra ID.
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        publicNetworkAccess: isPrivate ? 'Disabled' : 'Enabled',
        networkRuleSet: { defaultAction: isPrivate ? 'Deny' : 'Allow', bypass: 'AzureServices' },
        tags: { ...withRole(args.tags, DATA_LAKE_ROLE) },
      },
      parent,
    );

    const blobService = new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        accountName: account.name,
        resourceGroupName: args.resourceGroupName,
        blobServicesName: 'default',
        deleteRetentionPolicy: { enabled: true, days: args.softDeleteDays },
        containerDeleteRetentionPolicy: { enabled: true, days: args.softDeleteDays },
      },
      parent,
    );

    this.containerIds = {};
    for (const container of [RAW_CONTAINER, args.engineContainer, ...(args.extraContainers ?? [])]) {
      const c = new storage.BlobContainer(
        `${name}-${container}`,
        {
          containerName: container,
          accountName: account.name,
          resourceGroupName: args.resourceGroupName,
          publicAccess: 'None',
        },
        { ...parent, dependsOn: [blobService] },
      );
      this.containerIds[container] = c.id;
    }

    new storage.ManagementPolicy(
      `${name}-lifecycle`,
      {
        accountName: account.name,
        resourceGroupName: args.resourceGroupName,
        managementPolicyName: 'default',
        policy: { rules: lifecycleRules(args) },
      },
      parent,
    );

    if (args.privateLinks) {
      for (const groupId of ['blob', 'dfs'] as const) {
        privateEndpoint(
          {
            name: args.accountName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags: args.tags,
            links: args.privateLinks,
            targetId: account.id,
            groupId,
            zones: [PRIVATE_DNS_ZONES[groupId]],
          },
          parent,
        );
      }
    }

    this.accountName = account.name;
    this.accountId = account.id;
    this.diagnostics = [
      { name: 'lake', kind: 'Microsoft.Storage/storageAccounts', resourceId: account.id },
      {
        name: 'lake-blob',
        kind: 'Microsoft.Storage/storageAccounts/blobServices',
        resourceId: blobService.id,
      },
    ];
    this.blobEndpoint = account.primaryEndpoints.blob;
    this.dfsEndpoint = account.primaryEndpoints.dfs;
    this.registerOutputs({ accountName: this.accountName, blobEndpoint: this.blobEndpoint });
  }

  containerId(container: string): pulumi.Output<string> {
    const id = this.containerIds[container];
    if (!id) throw new Error(`the data lake has no container '${container}'`);
    return id;
  }
}

/**
 * Cool tier for data nobody touched in a while; predictions expire; models and run manifests are kept.
 * Prefixes are `<container>/<path>/`, as Azure's lifecycle filters expect.
 */
export function lifecycleRules(
  args: Pick<DataLakeArgs, 'engineContainer' | 'coolAfterDays' | 'predictionsRetentionDays'>,
) {
  const cool = (name: string, prefix: string) => ({
    name,
    enabled: true,
    type: 'Lifecycle',
    definition: {
      filters: { blobTypes: ['blockBlob'], prefixMatch: [prefix] },
      actions: { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: args.coolAfterDays } } },
    },
  });
  return [
    cool('cool-raw', `${RAW_CONTAINER}/`),
    cool('cool-prepared', `${args.engineContainer}/prepared/`),
    {
      name: 'expire-predictions',
      enabled: true,
      type: 'Lifecycle',
      definition: {
        filters: { blobTypes: ['blockBlob'], prefixMatch: [`${args.engineContainer}/predictions/`] },
        actions: {
          baseBlob: {
            tierToCool: { daysAfterModificationGreaterThan: args.coolAfterDays },
            delete: { daysAfterModificationGreaterThan: args.predictionsRetentionDays },
          },
        },
      },
    },
  ];
}
