import { beforeAll, describe, expect, it } from 'vitest';
import { ComputeCluster, idleDuration } from '../../../infra/components/compute-cluster.ts';
import { installMocks, type Recorder, settle } from '../harness.ts';
import { placement } from './fixtures.ts';

const COMPUTE = 'azure-native:machinelearningservices:Compute';
const identity = (role: string) =>
  `/subscriptions/s/resourceGroups/mm-dev-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mm-dev-id-${role}`;

describe('ComputeCluster', () => {
  let rec: Recorder;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'dev' });
    const common = { ...placement, workspaceName: 'mm-dev-mlw', vmSize: 'Standard_D4s_v5', idleMinutes: 10 };
    new ComputeCluster('dev', {
      ...common,
      clusterName: 'cpu-cluster',
      maxNodes: 4,
      lowPriority: true,
      identityIds: [identity('training')],
    });
    new ComputeCluster('private', {
      ...common,
      clusterName: 'private-cluster',
      maxNodes: 8,
      lowPriority: false,
      idleMinutes: 90,
      identityIds: [identity('scoring')],
      subnetId:
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/compute',
    });
    await settle();
  });

  const cluster = (name: string) => rec.one(COMPUTE, (d) => d.inputs.computeName === name).inputs;

  it('scales to zero nodes and releases them after the idle time, up to the configured maximum', () => {
    expect(cluster('cpu-cluster').properties).toMatchObject({
      computeType: 'AmlCompute',
      properties: {
        scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT10M' },
      },
    });
  });

  it('uses low-priority nodes when asked (dev) and dedicated ones otherwise', () => {
    expect(cluster('cpu-cluster').properties).toMatchObject({
      properties: { vmPriority: 'LowPriority', vmSize: 'Standard_D4s_v5' },
    });
    expect(cluster('private-cluster').properties).toMatchObject({ properties: { vmPriority: 'Dedicated' } });
  });

  it('runs jobs as the given identities, with local auth and SSH off', () => {
    const inputs = cluster('cpu-cluster');
    expect(inputs.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: [identity('training')] });
    expect(inputs.properties).toMatchObject({
      disableLocalAuth: true,
      properties: { remoteLoginPortPublicAccess: 'Disabled', enableNodePublicIp: true },
    });
    expect(inputs.tags).toEqual(placement.tags);
  });

  it('puts nodes in the subnet without public IPs when private networking is on', () => {
    expect(cluster('private-cluster').properties).toMatchObject({
      properties: {
        enableNodePublicIp: false,
        subnet: {
          id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/compute',
        },
        scaleSettings: { nodeIdleTimeBeforeScaleDown: 'PT1H30M' },
      },
    });
  });

  it.each([
    [10, 'PT10M'],
    [60, 'PT1H'],
    [125, 'PT2H5M'],
  ])('writes %i idle minutes as the ISO 8601 duration %s', (minutes, iso) => {
    expect(idleDuration(minutes)).toBe(iso);
  });

  it('refuses a non-positive idle time', () => {
    expect(() => idleDuration(0)).toThrow('idle minutes must be a positive integer');
  });
});
