import { beforeAll, describe, expect, it } from 'vitest';
import { Network, PRIVATE_DNS_ZONES, subnetPlan } from '../../../infra/components/network.ts';
import { installMocks, type Recorder, resolve, settle } from '../harness.ts';
import { placement } from './fixtures.ts';

describe('Network', () => {
  let rec: Recorder;
  let net: Network;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'dev' });
    net = new Network('network', { ...placement, name: 'mm-dev-vnet', addressSpace: '10.40.0.0/16' });
    await settle();
  });

  it('carves private-endpoint, compute and AKS subnets out of the address space', () => {
    expect(subnetPlan('10.40.0.0/16')).toEqual({
      privateEndpoints: '10.40.1.0/24',
      compute: '10.40.2.0/24',
      aks: '10.40.16.0/20',
    });
    const subnets = rec.of('azure-native:network:Subnet');
    expect(Object.fromEntries(subnets.map((s) => [s.inputs.subnetName, s.inputs.addressPrefix]))).toEqual({
      'snet-private-endpoints': '10.40.1.0/24',
      'snet-compute': '10.40.2.0/24',
      'snet-aks': '10.40.16.0/20',
    });
    expect(rec.one('azure-native:network:VirtualNetwork').inputs).toMatchObject({
      addressSpace: { addressPrefixes: ['10.40.0.0/16'] },
      tags: placement.tags,
    });
  });

  it('rejects an address space too small to carve', () => {
    expect(() => subnetPlan('10.40.0.0/24')).toThrow(
      "addressSpace '10.40.0.0/24' must be an IPv4 CIDR of /16 or larger",
    );
  });

  it('creates one private DNS zone per service, each linked to the network', async () => {
    const zones = rec.of('azure-native:privatedns:PrivateZone').map((z) => String(z.inputs.privateZoneName));
    expect(zones.sort()).toEqual(Object.values(PRIVATE_DNS_ZONES).sort());
    expect(rec.of('azure-native:privatedns:VirtualNetworkLink')).toHaveLength(zones.length);
    const links = net.privateLinks();
    expect(await resolve(links.subnetId)).toBe(
      rec.one('azure-native:network:Subnet', (s) => s.inputs.subnetName === 'snet-private-endpoints').id,
    );
    expect(Object.keys(links.dnsZoneIds).sort()).toEqual(zones.sort());
  });
});
