import type { Config } from '../config/schema.ts';
import { registryIndexPrefix } from '../lake/dataset-lake.ts';
import { workingRoot } from '../storage/layout.ts';
import { DeferredRegistry } from './deferred.ts';
import { LocalModelRegistry } from './local.ts';
import type { ModelRegistry, Stage } from './types.ts';

export interface RegistryForOptions {
  /**
   * Read models through the registry's index in the lake where it has one (Azure ML): for scoring and serving,
   * which read every model and should not spend two ARM reads on each. Promotion keeps the default.
   */
  readsFromIndex?: boolean;
  /** A local registry reads with blocking calls (see `LocalRegistryOptions.blockingReads`): batch workers only. */
  blockingReads?: boolean;
}

/**
 * The registry a config names for a stage: a folder below the working root locally (the storage root, or the
 * local cache of the ADLS lake), or an Azure ML workspace (dev or prod).
 */
export function registryFor(config: Config, stage: Stage, options: RegistryForOptions = {}): ModelRegistry {
  const registry = config.registry;
  if (registry.kind === 'local') {
    const root = workingRoot(config);
    return new LocalModelRegistry({ root, stage, blockingReads: options.blockingReads === true });
  }
  const workspace = stage === 'prod' ? registry.prodWorkspace : registry.devWorkspace;
  return new DeferredRegistry(stage, `azureml:${workspace}`, async () => {
    const { azureMlRegistryFor } = await import('../azure/aml-registry-for.ts');
    return azureMlRegistryFor(registry, stage, {
      readsFromIndex: options.readsFromIndex === true,
      // The model index and artifacts sit in the dataset's folder of the lake datastore, like everything else.
      artifactPrefix: registryIndexPrefix(config.storage, stage),
    });
  });
}
