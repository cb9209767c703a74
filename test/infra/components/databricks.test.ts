import { beforeAll, describe, expect, it } from 'vitest';
import { Databricks } from '../../../infra/components/databricks.ts';
import { installMocks, type Recorder, resolve, SUBSCRIPTION, settle } from '../harness.ts';
import { placement } from './fixtures.ts';

describe('Databricks', () => {
  let rec: Recorder;
  let dbw: Databricks;
  const amlWorkspaceId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.MachineLearningServices/workspaces/mm-dev-mlw`;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'dev' });
    dbw = new Databricks('dbw', {
      ...placement,
      workspaceName: 'mm-dev-dbw',
      managedResourceGroupName: 'mm-dev-dbw-managed-rg',
      subscriptionId: SUBSCRIPTION,
      noPublicIp: true,
      amlWorkspaceId,
      connectorName: 'mm-dev-dbw-connector',
    });
    new Databricks('public-ip', {
      ...placement,
      workspaceName: 'mm-dev-dbw2',
      managedResourceGroupName: 'mm-dev-dbw2-managed-rg',
      subscriptionId: SUBSCRIPTION,
      noPublicIp: false,
      connectorName: 'mm-dev-dbw2-connector',
    });
    await settle();
  });

  it('is a premium workspace whose cluster nodes get no public IP, linked to the AML workspace', () => {
    const ws = rec.one('azure-native:databricks:Workspace', (d) => d.inputs.workspaceName === 'mm-dev-dbw');
    expect(ws.inputs).toMatchObject({
      sku: { name: 'premium' },
      managedResourceGroupId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-dbw-managed-rg`,
      parameters: { enableNoPublicIp: { value: true }, amlWorkspaceId: { value: amlWorkspaceId } },
      tags: placement.tags,
    });
  });

  it('keeps public IPs only where the config says so', () => {
    const ws = rec.one('azure-native:databricks:Workspace', (d) => d.inputs.workspaceName === 'mm-dev-dbw2');
    expect(ws.inputs.parameters).toEqual({ enableNoPublicIp: { value: false } });
  });

  // Item 7: what the Spark job needs to reach the lake: a Unity Catalog storage credential on a managed identity.
  it('has an access connector with a system identity for the lake volume, no key or secret', async () => {
    const connector = rec.one(
      'azure-native:databricks:AccessConnector',
      (d) => d.inputs.connectorName === 'mm-dev-dbw-connector',
    );
    expect(connector.inputs).toMatchObject({ identity: { type: 'SystemAssigned' }, tags: placement.tags });
    expect(await resolve(dbw.connectorPrincipalId)).toBe(
      (connector.state.identity as { principalId: string }).principalId,
    );
  });

  it('exposes the workspace URL', async () => {
    expect(await resolve(dbw.workspaceUrl)).toMatch(/azuredatabricks\.net$/);
  });
});
