import { describe, expect, it } from 'vitest';
import {
  KEY_VAULT,
  keyVaultPurgeProtection,
  keyVaultRbac,
} from '../../../../infra/policy/rules/key-vault.ts';
import { fieldCases, violations, withField } from '../run-policy.ts';

const vault = {
  vaultName: 'mm-dev-kv',
  resourceGroupName: 'mm-dev-rg',
  properties: {
    tenantId: 't',
    sku: { family: 'A', name: 'standard' },
    enableRbacAuthorization: true,
    enablePurgeProtection: true,
    enableSoftDelete: true,
  },
};
const candidate = (props: Record<string, unknown>) => ({ type: KEY_VAULT, props });

describe('Key Vault guardrails', () => {
  it.each([keyVaultPurgeProtection, keyVaultRbac])('$name passes the vault the program declares', (rule) => {
    expect(violations(rule, candidate(vault))).toEqual([]);
  });

  it.each(
    fieldCases([
      [
        keyVaultPurgeProtection,
        'properties.enablePurgeProtection',
        false,
        "key vault 'mm-dev-kv' must set properties.enablePurgeProtection to true (found false)",
      ],
      [
        keyVaultPurgeProtection,
        'properties.enablePurgeProtection',
        undefined,
        "key vault 'mm-dev-kv' must set properties.enablePurgeProtection to true (found unset)",
      ],
      [
        keyVaultRbac,
        'properties.enableRbacAuthorization',
        false,
        "key vault 'mm-dev-kv' must set properties.enableRbacAuthorization to true (found false)",
      ],
      [
        keyVaultRbac,
        'properties.enableRbacAuthorization',
        undefined,
        "key vault 'mm-dev-kv' must set properties.enableRbacAuthorization to true (found unset)",
      ],
    ]),
  )('%s: %s = %o is a violation', (_name, rule, field, value, message) => {
    expect(violations(rule, candidate(withField(vault, field, value)))).toEqual([message]);
  });
});
