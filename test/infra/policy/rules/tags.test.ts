import { describe, expect, it } from 'vitest';
import { requiredTags, TAGGABLE_TYPES } from '../../../../infra/policy/rules/tags.ts';
import { standardTags } from '../../../../infra/tags.ts';
import { violations, withField } from '../run-policy.ts';

const tags = standardTags({ environment: 'dev', owner: 'ml-platform@contoso.com', costCentre: 'CC-1' });
const vault = {
  type: 'azure-native:keyvault:Vault',
  name: 'workspace-kv',
  props: { vaultName: 'mm-dev-kv', tags },
};

describe('required-tags', () => {
  it('passes a resource tagged from the one place tags come from', () => {
    expect(violations(requiredTags, vault)).toEqual([]);
  });

  it.each([
    ['tags.owner', undefined, "Vault 'workspace-kv' is missing required tag(s): owner"],
    ['tags.cost-centre', '  ', "Vault 'workspace-kv' is missing required tag(s): cost-centre"],
    ['tags.environment', undefined, "Vault 'workspace-kv' is missing required tag(s): environment"],
    ['tags.project', undefined, "Vault 'workspace-kv' is missing required tag(s): project"],
    [
      'tags',
      undefined,
      "Vault 'workspace-kv' is missing required tag(s): environment, owner, cost-centre, project",
    ],
  ])('%s = %o is a violation', (field, value, message) => {
    expect(violations(requiredTags, { ...vault, props: withField(vault.props, field, value) })).toEqual([
      message,
    ]);
  });

  it('does not ask untaggable child resources for tags', () => {
    expect(TAGGABLE_TYPES.has('azure-native:storage:BlobContainer')).toBe(false);
    expect(violations(requiredTags, { type: 'azure-native:storage:BlobContainer', props: {} })).toEqual([]);
    expect(
      violations(requiredTags, { type: 'azure-native:authorization:RoleAssignment', props: {} }),
    ).toEqual([]);
  });

  it('lets a team require its own tag set through the policy config', () => {
    expect(violations(requiredTags, vault, { tags: ['owner', 'data-classification'] })).toEqual([
      "Vault 'workspace-kv' is missing required tag(s): data-classification",
    ]);
  });
});
