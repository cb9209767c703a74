import { beforeAll, describe, expect, it } from 'vitest';
import { Access } from '../../../infra/components/access.ts';
import { BUILT_IN_ROLES } from '../../../infra/roles.ts';
import { installMocks, type Recorder, SUBSCRIPTION, settle } from '../harness.ts';

const scope = `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-dev-rg/providers/Microsoft.Storage/storageAccounts/mmdevlake/blobServices/default/containers/raw`;

const ROLE_HOME = {
  customRoleScope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/mm-prod-rg`,
  customRoleSuffix: 'mm-prod-rg',
};

describe('Access', () => {
  let rec: Recorder;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'dev' });
    new Access('access', {
      subscriptionId: SUBSCRIPTION,
      ...ROLE_HOME,
      grants: [
        {
          key: 'dataprep-read-raw',
          principal: 'dataprep',
          principalId: 'p1',
          role: 'storageBlobDataReader',
          on: 'raw',
          scope,
          reason: 'reads raw',
          principalType: 'ServicePrincipal',
        },
        {
          key: 'kubelet-pull',
          principal: 'aks-kubelet',
          principalId: 'p2',
          role: 'acrPull',
          on: 'registry',
          scope: 'acr-id',
          reason: 'pulls',
          principalType: 'Group',
        },
      ],
    });
    await settle();
  });

  it('assigns the built-in role by its subscription-scoped definition id, to a service principal, on the scope', () => {
    const a = rec.one('azure-native:authorization:RoleAssignment', (d) => d.inputs.principalId === 'p1');
    expect(a.inputs).toEqual({
      principalId: 'p1',
      principalType: 'ServicePrincipal',
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`,
      scope,
      description: 'dataprep: reads raw',
    });
    const pull = rec.one('azure-native:authorization:RoleAssignment', (d) => d.inputs.principalId === 'p2');
    expect(pull.inputs.roleDefinitionId).toMatch(new RegExp(`/roleDefinitions/${BUILT_IN_ROLES.acrPull}$`));
    expect(pull.inputs.principalType).toBe('Group');
  });

  it('sends a grant’s ABAC condition with its version, so a narrowed writer stays narrowed', async () => {
    const condition = "((!(ActionMatches{'x'})) OR (y))";
    new Access('narrow', {
      subscriptionId: SUBSCRIPTION,
      ...ROLE_HOME,
      grants: [
        {
          key: 'scoring-write',
          principal: 'scoring',
          principalId: 'p3',
          role: 'storageBlobDataContributor',
          on: 'lake',
          scope: 'lake-id',
          reason: 'writes predictions',
          principalType: 'ServicePrincipal',
          condition,
          conditionVersion: '2.0',
        },
      ],
    });
    await settle();
    const a = rec.one('azure-native:authorization:RoleAssignment', (d) => d.inputs.principalId === 'p3');
    expect(a.inputs).toMatchObject({ condition, conditionVersion: '2.0' });
  });

  it('refuses a plan that grants the same thing twice', () => {
    const grant = {
      key: 'same',
      principal: 'auditor' as const,
      principalId: 'p',
      role: 'reader' as const,
      on: 'workspace' as const,
      scope: 's',
      reason: 'why',
      principalType: 'ServicePrincipal' as const,
    };
    expect(
      () => new Access('dupe', { subscriptionId: SUBSCRIPTION, ...ROLE_HOME, grants: [grant, grant] }),
    ).toThrow("access plan grants 'same' twice");
  });

  it('defines a custom role once, in the stack resource group, and assigns it by that definition', async () => {
    const rec2 = await installMocks({ stack: 'prod' });
    const grant = (principal: 'scoring' | 'auditor', key: string) => ({
      key,
      principal,
      principalId: `p-${principal}`,
      role: 'mlJobSubmitter' as const,
      on: 'workspace' as const,
      scope: 'ws',
      reason: 'submits jobs',
      principalType: 'ServicePrincipal' as const,
    });
    new Access('custom', {
      subscriptionId: SUBSCRIPTION,
      ...ROLE_HOME,
      grants: [grant('scoring', 'a'), grant('auditor', 'b')],
    });
    await settle();
    const definition = rec2.one('azure-native:authorization:RoleDefinition');
    expect(definition.inputs).toMatchObject({
      scope: ROLE_HOME.customRoleScope,
      assignableScopes: [ROLE_HOME.customRoleScope],
      roleName: 'many-models ML job submitter (mm-prod-rg)',
      roleType: 'CustomRole',
    });
    const [permissions] = definition.inputs.permissions as { actions: string[]; notActions: string[] }[];
    expect(permissions?.actions).toContain('Microsoft.MachineLearningServices/workspaces/jobs/write');
    expect(permissions?.notActions).toContain(
      'Microsoft.MachineLearningServices/workspaces/models/versions/write',
    );
    for (const a of rec2.of('azure-native:authorization:RoleAssignment'))
      expect(a.inputs.roleDefinitionId).toBe(definition.id);
  });
});
