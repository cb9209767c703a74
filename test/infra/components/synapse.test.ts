import { beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_DNS_ZONES } from '../../../infra/components/network.ts';
import { Synapse, type SynapseArgs } from '../../../infra/components/synapse.ts';
import { resourceNames } from '../../../infra/naming.ts';
import { installMocks, type Recorder, resolve, settle } from '../harness.ts';
import { fakePrivateLinks, placement } from './fixtures.ts';

const lakeId =
  '/subscriptions/s/resourceGroups/mm-prod-rg/providers/Microsoft.Storage/storageAccounts/mmprodlake';
const base: SynapseArgs = {
  ...placement,
  names: resourceNames('mm', 'prod'),
  lake: { accountId: lakeId, dfsEndpoint: 'https://mmprodlake.dfs.core.windows.net/' },
  sparkNodeSize: 'Small',
  sparkMaxNodes: 3,
  autoPauseMinutes: 15,
  firewall: [{ name: 'agents', startIp: '203.0.113.0', endIp: '203.0.113.255' }],
  adminObjectId: '0b0b0b0b-0000-4000-8000-000000000000',
};

describe('Synapse', () => {
  let rec: Recorder;
  let syn: Synapse;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'prod' });
    syn = new Synapse('syn', {
      ...base,
      sqlAdmin: {
        login: 'many-models-synapse-admins',
        sid: '0b0b0b0b-0000-4000-8000-000000000000',
        tenantId: 't',
      },
    });
    new Synapse('dw', { ...base, names: resourceNames('dw', 'prod'), dedicatedSqlPool: { sku: 'DW100c' } });
    new Synapse('private', {
      ...base,
      names: resourceNames('pv', 'prod'),
      privateLinks: fakePrivateLinks(Object.values(PRIVATE_DNS_ZONES)),
    });
    await settle();
  });

  const workspace = (name: string) =>
    rec.one('azure-native:synapse:Workspace', (d) => d.inputs.workspaceName === name).inputs;

  it('sits on the data lake with its own filesystem and a system-assigned identity', () => {
    expect(workspace('mm-prod-syn')).toMatchObject({
      identity: { type: 'SystemAssigned' },
      defaultDataLakeStorage: {
        accountUrl: 'https://mmprodlake.dfs.core.windows.net/',
        filesystem: 'synapse',
        resourceId: lakeId,
      },
      managedResourceGroupName: 'mm-prod-syn-managed-rg',
      tags: placement.tags,
    });
  });

  it('accepts only Entra ID sign-in: no SQL administrator login or password exists', () => {
    const inputs = workspace('mm-prod-syn');
    expect(inputs.azureADOnlyAuthentication).toBe(true);
    expect(inputs.sqlAdministratorLogin).toBeUndefined();
    expect(inputs.sqlAdministratorLoginPassword).toBeUndefined();
    expect(inputs.cspWorkspaceAdminProperties).toEqual({ initialWorkspaceAdminObjectId: base.adminObjectId });
  });

  it('makes the configured Entra group SQL admin (its object id is the SID)', () => {
    const admins = rec.of('azure-native:synapse:WorkspaceAadAdmin');
    expect(admins.map((a) => a.inputs)).toEqual([
      {
        resourceGroupName: 'mm-dev-rg',
        workspaceName: 'mm-prod-syn',
        administratorType: 'ActiveDirectory',
        login: 'many-models-synapse-admins',
        sid: '0b0b0b0b-0000-4000-8000-000000000000',
        tenantId: 't',
      },
    ]);
  });

  it('has a Spark pool that pauses itself after the idle delay', () => {
    const pool = rec.one('azure-native:synapse:BigDataPool', (d) => d.inputs.workspaceName === 'mm-prod-syn');
    expect(pool.inputs).toMatchObject({
      bigDataPoolName: 'mmspark',
      nodeSize: 'Small',
      autoPause: { enabled: true, delayInMinutes: 15 },
      autoScale: { enabled: true, minNodeCount: 3, maxNodeCount: 3 },
    });
  });

  it('uses serverless SQL (no dedicated pool) unless one is configured', async () => {
    const pools = rec.of('azure-native:synapse:SqlPool');
    expect(pools.map((p) => p.inputs.workspaceName)).toEqual(['dw-prod-syn']);
    expect(pools[0]?.inputs).toMatchObject({ sqlPoolName: 'mmdw', sku: { name: 'DW100c' } });
    expect(await resolve(syn.serverlessSqlEndpoint)).toBe('mm-prod-syn-ondemand.sql.azuresynapse.net');
  });

  it('opens the firewall only for the configured ranges', () => {
    const rules = rec
      .of('azure-native:synapse:IpFirewallRule')
      .filter((r) => r.inputs.workspaceName === 'mm-prod-syn');
    expect(rules.map((r) => r.inputs)).toEqual([
      expect.objectContaining({
        ruleName: 'agents',
        startIpAddress: '203.0.113.0',
        endIpAddress: '203.0.113.255',
      }),
    ]);
  });

  it('with private links: no public network, a managed VNet, no firewall rules, SQL and dev endpoints', () => {
    expect(workspace('pv-prod-syn')).toMatchObject({
      publicNetworkAccess: 'Disabled',
      managedVirtualNetwork: 'default',
      managedVirtualNetworkSettings: { preventDataExfiltration: true },
    });
    expect(
      rec.of('azure-native:synapse:IpFirewallRule').filter((r) => r.inputs.workspaceName === 'pv-prod-syn'),
    ).toEqual([]);
    const endpoints = rec
      .of('azure-native:network:PrivateEndpoint')
      .map((e) => String(e.inputs.privateEndpointName));
    expect(endpoints.sort()).toEqual(['pv-prod-syn-pe-dev', 'pv-prod-syn-pe-sqlondemand']);
  });
});
