import type { Config } from '../config/schema.ts';
import { LocalModelRegistry } from './local.ts';
import { type ModelRegistry, RegistryError, type Stage } from './types.ts';

/**
 * The registry a config names for a stage: a folder below the working root locally (the storage root, or the
 * local cache of the ADLS lake), or an Azure ML workspace (dev or prod).
 */
export function registryFor(config: Config, stage: Stage): ModelRegistry {
  const registry = config.registry;
  if (registry.kind === 'local') {
    const root = config.storage.kind === 'local' ? config.storage.root : config.storage.cacheRoot;
    return new LocalModelRegistry({ root, stage });
  }
  // The Azure ML adapter plugs in here (src/azure); until it lands, say so rather than fall back silently.
  throw new RegistryError(
    `registry.kind 'azureml' (workspace ${stage === 'prod' ? registry.prodWorkspace : registry.devWorkspace}) ` +
      'is not available in this build; use registry.kind: local',
  );
}
