/** The options every command that reads a dataset config shares (the CLI's stages and the serving entry). */
import { type Command, Option } from 'commander';
import { effectiveStorage } from '../azure/cluster.ts';
import { horizonWarnings } from './horizon.ts';
import { loadConfig } from './load.ts';
import { type Config, seasonLengthOf } from './schema.ts';

/** Options shared by every stage that reads the dataset config. */
export interface ConfigOptions {
  config: string;
  env: string;
}

export function withConfigOptions(command: Command): Command {
  return command
    .addOption(new Option('-c, --config <file>', 'dataset/forecast YAML config').default('configs/demo.yaml'))
    .addOption(
      new Option(
        '-e, --env <name>',
        'environment: local, dev or prod (reads environments/<name>.yaml)',
      ).default('local'),
    );
}

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
