import type * as pulumi from '@pulumi/pulumi';
import { STACK_IDENTITIES } from './access-plan.ts';
import { Aks } from './components/aks.ts';
import type { PlacementArgs, PrivateLinkArgs } from './components/common.ts';
import { DataLake } from './components/data-lake.ts';
import { Databricks } from './components/databricks.ts';
import { type Federation, Identities } from './components/identities.ts';
import { SYNAPSE_FILESYSTEM, Synapse } from './components/synapse.ts';
import { databricksEnabled, type InfraConfig, synapseEnabled } from './config.ts';
import type { IdentityRole, ResourceNames } from './naming.ts';

/**
 * Each family of the estate from the stack config: one function per family, so program.ts reads as the list of
 * what a stack holds and each family's config mapping is tested through the program.
 */

export interface Family {
  config: InfraConfig;
  names: ResourceNames;
  placement: PlacementArgs;
  privateLinks: PrivateLinkArgs | undefined;
}

export function dataLake({ config, names, placement, privateLinks }: Family): DataLake {
  return new DataLake('lake', {
    ...placement,
    accountName: names.lake,
    engineContainer: config.lake.container,
    sku: config.lake.sku,
    softDeleteDays: config.lake.softDeleteDays,
    coolAfterDays: config.lake.coolAfterDays,
    predictionsRetentionDays: config.lake.predictionsRetentionDays,
    extraContainers: synapseEnabled(config) ? [SYNAPSE_FILESYSTEM] : [],
    privateLinks,
  });
}

/** The stack's job identities, each federated to the pipeline service connection named in config. */
export function identities({ config, names, placement }: Family): Identities {
  const env = config.environment;
  const roles = STACK_IDENTITIES[env];
  const federations: Partial<Record<IdentityRole, Federation[]>> = {};
  for (const [role, federation] of Object.entries(config.federations) as [IdentityRole, Federation][]) {
    if (!roles.includes(role))
      throw new Error(`many-models:federations.${role}: the ${env} stack has no ${role} identity`);
    federations[role] = [federation];
  }
  return new Identities('identities', {
    ...placement,
    identities: Object.fromEntries(roles.map((role) => [role, names.identity(role)])),
    federations,
  });
}

export function databricks(
  { config, names, placement }: Family,
  refs: { subscriptionId: pulumi.Input<string>; amlWorkspaceId: pulumi.Input<string> },
): Databricks | undefined {
  if (!databricksEnabled(config)) return undefined;
  return new Databricks('databricks', {
    ...placement,
    workspaceName: names.databricks,
    managedResourceGroupName: names.databricksManagedResourceGroup,
    connectorName: `${names.databricks}-connector`,
    subscriptionId: refs.subscriptionId,
    noPublicIp: config.databricks.noPublicIp,
    amlWorkspaceId: refs.amlWorkspaceId,
  });
}

export function synapse(
  { config, names, placement, privateLinks }: Family,
  refs: { lake: DataLake; tenantId: pulumi.Input<string> },
): Synapse | undefined {
  if (!synapseEnabled(config)) return undefined;
  return new Synapse('synapse', {
    ...placement,
    names,
    lake: { accountId: refs.lake.accountId, dfsEndpoint: refs.lake.dfsEndpoint },
    ...config.synapse,
    // An Entra group administers SQL; the scoring identity is a database user with only what the view
    // refresh needs (infra/synapse-grants.ts), never a server admin.
    sqlAdmin: config.synapse.adminObjectId
      ? { login: config.synapse.adminLogin, sid: config.synapse.adminObjectId, tenantId: refs.tenantId }
      : undefined,
    privateLinks,
  });
}

export function aks(
  { config, names, placement }: Family,
  refs: { tenantId: pulumi.Input<string>; subnetId: pulumi.Input<string> | undefined },
): Aks | undefined {
  if (!config.enableAks) return undefined;
  return new Aks('aks', {
    ...placement,
    names,
    tenantId: refs.tenantId,
    ...config.aks,
    subnetId: refs.subnetId,
    privateCluster: config.enablePrivateNetworking,
  });
}
