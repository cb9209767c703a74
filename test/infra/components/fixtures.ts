import type { PlacementArgs, PrivateLinkArgs } from '../../../infra/components/common.ts';
import { standardTags } from '../../../infra/tags.ts';
import { SUBSCRIPTION } from '../harness.ts';

/** Where component tests put things: the dev resource group with the standard tags. */
export const placement: PlacementArgs = {
  resourceGroupName: 'mm-dev-rg',
  location: 'westeurope',
  tags: standardTags({ environment: 'dev', owner: 'ml-platform@contoso.com', costCentre: 'CC-1' }),
};

const zone = (name: string) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.Network/privateDnsZones/${name}`;

/** Stands in for Network.privateLinks() when a component is tested alone. */
export function fakePrivateLinks(zones: readonly string[]): PrivateLinkArgs {
  return {
    subnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe`,
    dnsZoneIds: Object.fromEntries(zones.map((z) => [z, zone(z)])),
  };
}
