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
    });
    new Databricks('public-ip', {
      ...placement,
      workspaceName: 'mm-dev-dbw2',
      managedResourceGroupName: 'mm-dev-dbw2-managed-rg',
      subscriptionId: SUBSCRIPTION,
      noPublicIp: false,
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

  it('exposes the workspace URL', async () => {
    expect(await resolve(dbw.workspaceUrl)).toMatch(/azuredatabricks\.net$/);
  });
});
