import { beforeAll, describe, expect, it } from 'vitest';
import { DataLake, lifecycleRules } from '../../../infra/components/data-lake.ts';
import { PRIVATE_DNS_ZONES } from '../../../infra/components/network.ts';
import { type Declared, installMocks, type Recorder, resolve, settle } from '../harness.ts';
import { fakePrivateLinks, placement } from './fixtures.ts';

const ACCOUNT = 'azure-native:storage:StorageAccount';
const CONTAINER = 'azure-native:storage:BlobContainer';
const lakeArgs = {
  ...placement,
  accountName: 'mmdevlake',
  engineContainer: 'lake',
  sku: 'Standard_LRS',
  softDeleteDays: 7,
  coolAfterDays: 30,
  predictionsRetentionDays: 90,
};

describe('DataLake', () => {
  let rec: Recorder;
  let lake: DataLake;
  let account: Declared;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'dev' });
    lake = new DataLake('lake', { ...lakeArgs, extraContainers: ['synapse'] });
    new DataLake('private-lake', {
      ...lakeArgs,
      accountName: 'mmdevplake',
      privateLinks: fakePrivateLinks(Object.values(PRIVATE_DNS_ZONES)),
    });
    await settle();
    account = rec.one(ACCOUNT, (d) => d.inputs.accountName === 'mmdevlake');
  });

  it('is an ADLS Gen2 account: StorageV2 with the hierarchical namespace', () => {
    expect(account.inputs).toMatchObject({
      kind: 'StorageV2',
      isHnsEnabled: true,
      sku: { name: 'Standard_LRS' },
    });
  });

  it('allows no anonymous access, HTTPS only, TLS 1.2, and no shared keys', () => {
    expect(account.inputs).toMatchObject({
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: false,
    });
  });

  it('carries the standard tags plus the data-lake role the HNS policy keys on', () => {
    expect(account.inputs.tags).toEqual({ ...placement.tags, 'mm-role': 'data-lake' });
  });

  it('creates raw, the engine container and the extra ones, none of them public', async () => {
    const containers = rec.of(CONTAINER).filter((c) => c.inputs.accountName === 'mmdevlake');
    expect(containers.map((c) => String(c.inputs.containerName)).sort()).toEqual(['lake', 'raw', 'synapse']);
    for (const c of containers) expect(c.inputs.publicAccess).toBe('None');
    expect(await resolve(lake.containerId('lake'))).toBe(
      rec.one(CONTAINER, (c) => c.inputs.accountName === 'mmdevlake' && c.inputs.containerName === 'lake').id,
    );
    expect(() => lake.containerId('models')).toThrow("the data lake has no container 'models'");
  });

  it('keeps deleted blobs and containers for the soft-delete window', () => {
    const service = rec.one(
      'azure-native:storage:BlobServiceProperties',
      (d) => d.inputs.accountName === 'mmdevlake',
    );
    expect(service.inputs).toMatchObject({
      deleteRetentionPolicy: { enabled: true, days: 7 },
      containerDeleteRetentionPolicy: { enabled: true, days: 7 },
    });
  });

  it('cools idle data and expires predictions through a lifecycle policy', () => {
    const policy = rec.one(
      'azure-native:storage:ManagementPolicy',
      (d) => d.inputs.accountName === 'mmdevlake',
    );
    expect(policy.inputs.policy).toEqual({ rules: lifecycleRules(lakeArgs) });
    const rules = lifecycleRules(lakeArgs);
    expect(rules.map((r) => r.definition.filters.prefixMatch)).toEqual([
      ['raw/'],
      ['lake/prepared/'],
      ['lake/predictions/'],
    ]);
    expect(rules[2]?.definition.actions.baseBlob).toEqual({
      tierToCool: { daysAfterModificationGreaterThan: 30 },
      delete: { daysAfterModificationGreaterThan: 90 },
    });
  });

  it('exposes the blob and dfs endpoints', async () => {
    expect(await resolve(lake.blobEndpoint)).toBe('https://mmdevlake.blob.core.windows.net/');
    expect(await resolve(lake.dfsEndpoint)).toBe('https://mmdevlake.dfs.core.windows.net/');
  });

  it('is open to Entra-authenticated clients on the public endpoint when networking is not private', () => {
    expect(account.inputs).toMatchObject({
      publicNetworkAccess: 'Enabled',
      networkRuleSet: { defaultAction: 'Allow', bypass: 'AzureServices' },
    });
    expect(
      rec
        .of('azure-native:network:PrivateEndpoint')
        .filter((e) => String(e.inputs.privateEndpointName).startsWith('mmdevlake')),
    ).toEqual([]);
  });

  it('with private links: no public network access, blob and dfs private endpoints in their DNS zones', () => {
    const priv = rec.one(ACCOUNT, (d) => d.inputs.accountName === 'mmdevplake');
    expect(priv.inputs).toMatchObject({
      publicNetworkAccess: 'Disabled',
      networkRuleSet: { defaultAction: 'Deny' },
    });
    const endpoints = rec.of('azure-native:network:PrivateEndpoint');
    expect(endpoints.map((e) => String(e.inputs.privateEndpointName)).sort()).toEqual([
      'mmdevplake-pe-blob',
      'mmdevplake-pe-dfs',
    ]);
    for (const e of endpoints) {
      const [connection] = e.inputs.privateLinkServiceConnections as { privateLinkServiceId: string }[];
      expect(connection?.privateLinkServiceId).toBe(priv.id);
    }
    const zoneOf = (endpoint: string) => {
      const group = rec.one(
        'azure-native:network:PrivateDnsZoneGroup',
        (g) => g.inputs.privateEndpointName === endpoint,
      );
      return (group.inputs.privateDnsZoneConfigs as { privateDnsZoneId: string }[]).map(
        (c) => c.privateDnsZoneId,
      );
    };
    expect(zoneOf('mmdevplake-pe-blob')).toEqual([
      expect.stringMatching(/privateDnsZones\/privatelink\.blob\.core\.windows\.net$/),
    ]);
    expect(zoneOf('mmdevplake-pe-dfs')).toEqual([
      expect.stringMatching(/privateDnsZones\/privatelink\.dfs\.core\.windows\.net$/),
    ]);
  });
});
