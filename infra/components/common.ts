import type * as pulumi from '@pulumi/pulumi';
import type { Tags } from '../tags.ts';

/** What every resource family needs: where to put things and the tags from the one place they come from. */
export interface PlacementArgs {
  resourceGroupName: pulumi.Input<string>;
  location: string;
  tags: Tags;
}

/** Private endpoints for a family, given when enablePrivateNetworking is on (see network.ts). */
export interface PrivateLinkArgs {
  subnetId: pulumi.Input<string>;
  /** Private DNS zone id per zone name, e.g. privatelink.blob.core.windows.net -> /subscriptions/.../privateDnsZones/... */
  dnsZoneIds: Readonly<Record<string, pulumi.Input<string>>>;
}

/** Component type tokens, one package per repository so `pulumi stack` shows the families plainly. */
export const COMPONENT = {
  dataLake: 'many-models:infra:DataLake',
  mlWorkspace: 'many-models:infra:MlWorkspace',
  computeCluster: 'many-models:infra:ComputeCluster',
  databricks: 'many-models:infra:Databricks',
  synapse: 'many-models:infra:Synapse',
  aks: 'many-models:infra:Aks',
  identities: 'many-models:infra:Identities',
  access: 'many-models:infra:Access',
  network: 'many-models:infra:Network',
  monitoring: 'many-models:infra:Monitoring',
  diagnostics: 'many-models:infra:Diagnostics',
} as const;
