import type { RegistryConfig } from '../config/schema.ts';
import type { Stage } from '../registry/types.ts';
import type { AmlWorkspaceRef } from './aml-client.ts';
import { AzureMlModelRegistry, type AzureMlRegistryOptions } from './aml-registry.ts';

export type AzureMlRegistryConfig = Extract<RegistryConfig, { kind: 'azureml' }>;

/** The workspace a stage lives in: dev models in the dev workspace, promoted ones in prod (maybe another group). */
export function workspaceFor(registry: AzureMlRegistryConfig, stage: Stage): AmlWorkspaceRef {
  return stage === 'prod'
    ? {
        subscriptionId: registry.subscriptionId,
        resourceGroup: registry.prodResourceGroup ?? registry.resourceGroup,
        workspace: registry.prodWorkspace,
      }
    : {
        subscriptionId: registry.subscriptionId,
        resourceGroup: registry.resourceGroup,
        workspace: registry.devWorkspace,
      };
}

/** `registry.kind: azureml` from `environments/<env>.yaml` as a ModelRegistry for one stage. */
export function azureMlRegistryFor(
  registry: AzureMlRegistryConfig,
  stage: Stage,
  options: Omit<AzureMlRegistryOptions, 'workspace' | 'stage'> = {},
): AzureMlModelRegistry {
  return new AzureMlModelRegistry({ ...options, workspace: workspaceFor(registry, stage), stage });
}
