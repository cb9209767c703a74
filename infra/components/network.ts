import * as network from '@pulumi/azure-native/network/index.js';
import * as privatedns from '@pulumi/azure-native/privatedns/index.js';
import * as pulumi from '@pulumi/pulumi';
import { COMPONENT, type PlacementArgs, type PrivateLinkArgs } from './common.ts';

/** Private DNS zones for every private endpoint the program creates (Azure public cloud names). */
export const PRIVATE_DNS_ZONES = {
  blob: 'privatelink.blob.core.windows.net',
  dfs: 'privatelink.dfs.core.windows.net',
  file: 'privatelink.file.core.windows.net',
  vault: 'privatelink.vaultcore.azure.net',
  registry: 'privatelink.azurecr.io',
  amlApi: 'privatelink.api.azureml.ms',
  amlNotebooks: 'privatelink.notebooks.azure.net',
  synapseSql: 'privatelink.sql.azuresynapse.net',
  synapseDev: 'privatelink.dev.azuresynapse.net',
} as const;

export interface SubnetPlan {
  privateEndpoints: string;
  compute: string;
  aks: string;
}

/** Carves the subnets out of the first /16 of the address space: two /24s and a /20 for AKS pods' nodes. */
export function subnetPlan(addressSpace: string): SubnetPlan {
  const match = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}\/(\d{1,2})$/.exec(addressSpace);
  if (!match || Number(match[3]) > 16) {
    throw new Error(
      `addressSpace '${addressSpace}' must be an IPv4 CIDR of /16 or larger, e.g. 10.40.0.0/16`,
    );
  }
  const base = `${match[1]}.${match[2]}`;
  return {
    privateEndpoints: `${base}.1.0/24`,
    compute: `${base}.2.0/24`,
    aks: `${base}.16.0/20`,
  };
}

export interface NetworkArgs extends PlacementArgs {
  name: string;
  addressSpace: string;
}

/** The stack's virtual network, its subnets and the private DNS zones private endpoints register in. */
export class Network extends pulumi.ComponentResource {
  readonly vnetId: pulumi.Output<string>;
  readonly privateEndpointSubnetId: pulumi.Output<string>;
  readonly computeSubnetId: pulumi.Output<string>;
  readonly aksSubnetId: pulumi.Output<string>;
  readonly dnsZoneIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.network, name, {}, opts);
    const parent = { parent: this };
    const plan = subnetPlan(args.addressSpace);
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        virtualNetworkName: args.name,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        addressSpace: { addressPrefixes: [args.addressSpace] },
        tags: { ...args.tags },
      },
      { ...parent, ignoreChanges: ['subnets'] },
    );
    // Subnets are created one after another: Azure rejects concurrent writes to one virtual network.
    const pe = new network.Subnet(
      `${name}-snet-pe`,
      {
        subnetName: 'snet-private-endpoints',
        virtualNetworkName: vnet.name,
        resourceGroupName: args.resourceGroupName,
        addressPrefix: plan.privateEndpoints,
        privateEndpointNetworkPolicies: 'Disabled',
        defaultOutboundAccess: false,
      },
      parent,
    );
    const compute = new network.Subnet(
      `${name}-snet-compute`,
      {
        subnetName: 'snet-compute',
        virtualNetworkName: vnet.name,
        resourceGroupName: args.resourceGroupName,
        addressPrefix: plan.compute,
      },
      { ...parent, dependsOn: [pe] },
    );
    const aks = new network.Subnet(
      `${name}-snet-aks`,
      {
        subnetName: 'snet-aks',
        virtualNetworkName: vnet.name,
        resourceGroupName: args.resourceGroupName,
        addressPrefix: plan.aks,
      },
      { ...parent, dependsOn: [compute] },
    );

    this.dnsZoneIds = {};
    for (const [key, zoneName] of Object.entries(PRIVATE_DNS_ZONES)) {
      const zone = new privatedns.PrivateZone(
        `${name}-dns-${key}`,
        {
          privateZoneName: zoneName,
          resourceGroupName: args.resourceGroupName,
          location: 'Global',
          tags: { ...args.tags },
        },
        parent,
      );
      new privatedns.VirtualNetworkLink(
        `${name}-dns-${key}-link`,
        {
          virtualNetworkLinkName: `${args.name}-link`,
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          location: 'Global',
          registrationEnabled: false,
          virtualNetwork: { id: vnet.id },
          tags: { ...args.tags },
        },
        parent,
      );
      this.dnsZoneIds[zoneName] = zone.id;
    }

    this.vnetId = vnet.id;
    this.privateEndpointSubnetId = pe.id;
    this.computeSubnetId = compute.id;
    this.aksSubnetId = aks.id;
    this.registerOutputs({ vnetId: this.vnetId });
  }

  privateLinks(): PrivateLinkArgs {
    return { subnetId: this.privateEndpointSubnetId, dnsZoneIds: this.dnsZoneIds };
  }
}

export interface PrivateEndpointArgs {
  name: string;
  resourceGroupName: pulumi.Input<string>;
  location: string;
  tags: Readonly<Record<string, string>>;
  links: PrivateLinkArgs;
  targetId: pulumi.Input<string>;
  /** Sub-resource, e.g. blob, dfs, vault, registry, amlworkspace, SqlOnDemand. */
  groupId: string;
  zones: readonly string[];
}

/** One private endpoint for one sub-resource of a service, registered in its private DNS zones. */
export function privateEndpoint(args: PrivateEndpointArgs, opts: pulumi.CustomResourceOptions) {
  const endpoint = new network.PrivateEndpoint(
    `${args.name}-pe-${args.groupId.toLowerCase()}`,
    {
      privateEndpointName: `${args.name}-pe-${args.groupId.toLowerCase()}`,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      subnet: { id: args.links.subnetId },
      privateLinkServiceConnections: [
        { name: args.groupId, privateLinkServiceId: args.targetId, groupIds: [args.groupId] },
      ],
      tags: { ...args.tags },
    },
    opts,
  );
  new network.PrivateDnsZoneGroup(
    `${args.name}-pe-${args.groupId.toLowerCase()}-dns`,
    {
      privateDnsZoneGroupName: 'default',
      privateEndpointName: endpoint.name,
      resourceGroupName: args.resourceGroupName,
      privateDnsZoneConfigs: args.zones.map((zone) => {
        const zoneId = args.links.dnsZoneIds[zone];
        if (zoneId === undefined) throw new Error(`no private DNS zone '${zone}' in the network`);
        return { name: zone.replaceAll('.', '-'), privateDnsZoneId: zoneId };
      }),
    },
    opts,
  );
  return endpoint;
}
