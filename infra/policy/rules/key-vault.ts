import type { VaultArgs } from '@pulumi/azure-native/keyvault/vault.js';
import { azureName, forType, type ResourceValidationPolicy, show } from '../resource-policy.ts';

export const KEY_VAULT = 'azure-native:keyvault:Vault';

export const keyVaultPurgeProtection: ResourceValidationPolicy = {
  name: 'key-vault-purge-protection',
  description:
    'Key Vaults must have purge protection, so deleted secrets cannot be destroyed before retention ends.',
  enforcementLevel: 'mandatory',
  validateResource: forType<VaultArgs>(KEY_VAULT, (props, args, report) => {
    const value = props.properties?.enablePurgeProtection;
    if (value !== true) {
      const name = azureName(props, args, 'vaultName');
      report(`key vault '${name}' must set properties.enablePurgeProtection to true (found ${show(value)})`);
    }
  }),
};

export const keyVaultRbac: ResourceValidationPolicy = {
  name: 'key-vault-rbac-authorization',
  description: 'Key Vaults must authorize data access with Azure RBAC, not access policies.',
  enforcementLevel: 'mandatory',
  validateResource: forType<VaultArgs>(KEY_VAULT, (props, args, report) => {
    const value = props.properties?.enableRbacAuthorization;
    if (value !== true) {
      const name = azureName(props, args, 'vaultName');
      report(
        `key vault '${name}' must set properties.enableRbacAuthorization to true (found ${show(value)})`,
      );
    }
  }),
};
