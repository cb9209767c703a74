import { effectiveStorage } from '../azure/cluster.ts';
import type { ConfigOptions } from './command-options.ts';
import { horizonWarnings } from './horizon.ts';
import { loadConfig } from './load.ts';
import { type Config, seasonLengthOf } from './schema.ts';

/** The config `--config`/`--env` name, with its warnings on stderr and the storage an Azure ML node mounts. */
export function configFrom(options: ConfigOptions): Config {
  const config = loadConfig({ configPath: options.config, env: options.env });
  for (const warning of horizonWarnings({
    ...config.forecast,
    frequency: config.dataset.frequency,
    seasonLength: seasonLengthOf(config),
  })) {
    process.stderr.write(`mm: warning in ${options.config}: ${warning}\n`);
  }
  // On an Azure ML node the lake is mounted (MM_LAKE_ROOT): the stage computes on it as on a local folder.
  return { ...config, storage: effectiveStorage(config.storage) };
}
