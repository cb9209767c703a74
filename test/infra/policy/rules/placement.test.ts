import { describe, expect, it } from 'vitest';
import { prodNotInDevResourceGroup } from '../../../../infra/policy/rules/placement.ts';
import { violations } from '../run-policy.ts';

const prodLake = {
  type: 'azure-native:storage:StorageAccount',
  name: 'lake-account',
  stack: 'prod',
  props: { accountName: 'mmprodlake', resourceGroupName: 'mm-prod-rg', tags: { environment: 'prod' } },
};

describe('prod-not-in-dev-resource-group', () => {
  it('passes a prod resource in the prod resource group, and dev resources in the dev one', () => {
    expect(violations(prodNotInDevResourceGroup, prodLake)).toEqual([]);
    const devLake = {
      ...prodLake,
      stack: 'dev',
      props: { resourceGroupName: 'mm-dev-rg', tags: { environment: 'dev' } },
    };
    expect(violations(prodNotInDevResourceGroup, devLake)).toEqual([]);
  });

  it('flags a prod-stack resource placed in a dev resource group, whatever the prefix', () => {
    const moved = { ...prodLake, props: { ...prodLake.props, resourceGroupName: 'acme-dev-rg' } };
    expect(violations(prodNotInDevResourceGroup, moved)).toEqual([
      "prod resource 'lake-account' (azure-native:storage:StorageAccount) must not be in the dev resource group 'acme-dev-rg'",
    ]);
  });

  it('also recognises prod by the environment tag, outside the prod stack', () => {
    const tagged = {
      ...prodLake,
      stack: 'sandbox',
      props: { resourceGroupName: 'mm-dev-rg', tags: { environment: 'prod' } },
    };
    expect(violations(prodNotInDevResourceGroup, tagged)).toHaveLength(1);
  });

  it('follows the configured dev resource-group pattern and prod stacks', () => {
    const custom = {
      ...prodLake,
      stack: 'production',
      props: { resourceGroupName: 'rg-ml-development', tags: {} },
    };
    const config = { devResourceGroupPattern: '^rg-ml-development$', prodStacks: ['production'] };
    expect(violations(prodNotInDevResourceGroup, custom, config)).toEqual([
      "prod resource 'lake-account' (azure-native:storage:StorageAccount) must not be in the dev resource group 'rg-ml-development'",
    ]);
    expect(violations(prodNotInDevResourceGroup, prodLake, { devResourceGroupPattern: '([' })).toEqual([
      'policy config for prod-not-in-dev-resource-group is invalid: devResourceGroupPattern: not a valid regular expression',
    ]);
  });
});
