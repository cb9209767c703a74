import { beforeAll, describe, expect, it } from 'vitest';
import { Aks } from '../../../infra/components/aks.ts';
import { resourceNames } from '../../../infra/naming.ts';
import { installMocks, type Recorder, resolve, settle, TENANT } from '../harness.ts';
import { placement } from './fixtures.ts';

const admins = ['0a0a0a0a-0000-4000-8000-000000000000'];
const common = {
  ...placement,
  tenantId: TENANT,
  vmSize: 'Standard_D2s_v5',
  minNodes: 1,
  maxNodes: 3,
  adminGroupObjectIds: admins,
};

describe('Aks', () => {
  let rec: Recorder;
  let aks: Aks;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'prod' });
    aks = new Aks('aks', { ...common, names: resourceNames('mm', 'prod'), privateCluster: false });
    new Aks('private', {
      ...common,
      names: resourceNames('pv', 'prod'),
      privateCluster: true,
      subnetId:
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aks',
    });
    await settle();
  });

  const cluster = (name: string) =>
    rec.one('azure-native:containerservice:ManagedCluster', (d) => d.inputs.resourceName === name);

  it('uses Kubernetes RBAC backed by Entra ID and has no local accounts', () => {
    expect(cluster('mm-prod-aks').inputs).toMatchObject({
      enableRBAC: true,
      aadProfile: { managed: true, enableAzureRBAC: true, tenantID: TENANT, adminGroupObjectIDs: admins },
      disableLocalAccounts: true,
      identity: { type: 'SystemAssigned' },
      tags: placement.tags,
    });
  });

  it('enables workload identity through the OIDC issuer', async () => {
    expect(cluster('mm-prod-aks').inputs).toMatchObject({
      oidcIssuerProfile: { enabled: true },
      securityProfile: { workloadIdentity: { enabled: true } },
    });
    expect(await resolve(aks.oidcIssuerUrl)).toMatch(/^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//);
  });

  it('autoscales one node pool between the configured bounds, nodes without public IPs', () => {
    const [pool] = cluster('mm-prod-aks').inputs.agentPoolProfiles as Record<string, unknown>[];
    expect(pool).toMatchObject({
      mode: 'System',
      vmSize: 'Standard_D2s_v5',
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 3,
      enableNodePublicIP: false,
    });
  });

  it('runs only the scoring service: no Azure ML extension, no Kubernetes compute attach', () => {
    expect(rec.of('azure-native:kubernetesconfiguration:Extension')).toEqual([]);
    expect(rec.of('azure-native:machinelearningservices:Compute')).toEqual([]);
  });

  it('reports the kubelet identity that pulls images', async () => {
    const state = cluster('mm-prod-aks').state as {
      identityProfile: { kubeletidentity: { objectId: string } };
    };
    expect(await resolve(aks.kubeletObjectId)).toBe(state.identityProfile.kubeletidentity.objectId);
  });

  it('with private networking: a private API server and nodes in the AKS subnet', () => {
    const inputs = cluster('pv-prod-aks').inputs;
    expect(inputs.apiServerAccessProfile).toEqual({ enablePrivateCluster: true });
    expect((inputs.agentPoolProfiles as Record<string, unknown>[])[0]?.vnetSubnetID).toMatch(/subnets\/aks$/);
    expect(cluster('mm-prod-aks').inputs.apiServerAccessProfile).toBeUndefined();
  });
});
