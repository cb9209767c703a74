import { describe, expect, it } from 'vitest';
import { aksNoLocalAccounts, aksRbacEntraId, MANAGED_CLUSTER } from '../../../../infra/policy/rules/aks.ts';
import { fieldCases, violations, withField } from '../run-policy.ts';

const cluster = {
  resourceName: 'mm-prod-aks',
  resourceGroupName: 'mm-prod-rg',
  enableRBAC: true,
  aadProfile: { managed: true, enableAzureRBAC: true, tenantID: 't', adminGroupObjectIDs: [] },
  disableLocalAccounts: true,
  oidcIssuerProfile: { enabled: true },
};
const candidate = (props: Record<string, unknown>) => ({ type: MANAGED_CLUSTER, props, stack: 'prod' });

describe('AKS guardrails', () => {
  it.each([aksRbacEntraId, aksNoLocalAccounts])('$name passes the cluster the program declares', (rule) => {
    expect(violations(rule, candidate(cluster))).toEqual([]);
  });

  it.each(
    fieldCases([
      [
        aksRbacEntraId,
        'enableRBAC',
        false,
        "AKS cluster 'mm-prod-aks' must set enableRBAC to true (found false)",
      ],
      [
        aksRbacEntraId,
        'enableRBAC',
        undefined,
        "AKS cluster 'mm-prod-aks' must set enableRBAC to true (found unset)",
      ],
      [
        aksRbacEntraId,
        'aadProfile.managed',
        false,
        "AKS cluster 'mm-prod-aks' must integrate Entra ID: set aadProfile.managed to true (found false)",
      ],
      [
        aksRbacEntraId,
        'aadProfile',
        undefined,
        "AKS cluster 'mm-prod-aks' must integrate Entra ID: set aadProfile.managed to true (found unset)",
      ],
      [
        aksNoLocalAccounts,
        'disableLocalAccounts',
        false,
        "AKS cluster 'mm-prod-aks' must set disableLocalAccounts to true (found false)",
      ],
      [
        aksNoLocalAccounts,
        'disableLocalAccounts',
        undefined,
        "AKS cluster 'mm-prod-aks' must set disableLocalAccounts to true (found unset)",
      ],
    ]),
  )('%s: %s = %o is a violation', (_name, rule, field, value, message) => {
    expect(violations(rule, candidate(withField(cluster, field, value)))).toEqual([message]);
  });

  it('reports every missing piece of RBAC and Entra ID at once', () => {
    const bare = { resourceName: 'mm-prod-aks' };
    expect(violations(aksRbacEntraId, candidate(bare))).toEqual([
      "AKS cluster 'mm-prod-aks' must set enableRBAC to true (found unset)",
      "AKS cluster 'mm-prod-aks' must integrate Entra ID: set aadProfile.managed to true (found unset)",
    ]);
  });
});
