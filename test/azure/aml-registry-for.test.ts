import { describe, expect, it } from 'vitest';
import { AzureMlModelRegistry } from '../../src/azure/aml-registry.ts';
import { azureMlRegistryFor, workspaceFor } from '../../src/azure/aml-registry-for.ts';
import { staticTokenCredential } from '../../src/azure/credential.ts';

const registry = {
  kind: 'azureml' as const,
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'mm-dev-rg',
  devWorkspace: 'mm-dev-mlw',
  prodWorkspace: 'mm-prod-mlw',
  prodResourceGroup: 'mm-prod-rg',
};

describe('azureMlRegistryFor', () => {
  it('puts dev models in the dev workspace and prod models in the prod one, in its own resource group', () => {
    expect(workspaceFor(registry, 'dev')).toEqual({
      subscriptionId: registry.subscriptionId,
      resourceGroup: 'mm-dev-rg',
      workspace: 'mm-dev-mlw',
    });
    expect(workspaceFor(registry, 'prod')).toEqual({
      subscriptionId: registry.subscriptionId,
      resourceGroup: 'mm-prod-rg',
      workspace: 'mm-prod-mlw',
    });
    expect(workspaceFor({ ...registry, prodResourceGroup: undefined }, 'prod').resourceGroup).toBe(
      'mm-dev-rg',
    );
  });

  it('builds a registry for a stage without calling Azure', () => {
    const prod = azureMlRegistryFor(registry, 'prod', { credential: staticTokenCredential() });
    expect(prod).toBeInstanceOf(AzureMlModelRegistry);
    expect(prod.stage).toBe('prod');
    expect(prod.location).toBe('workspace mm-prod-mlw (resource group mm-prod-rg)');
  });
});
