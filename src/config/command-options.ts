/**
 * The options every command that reads a dataset config shares (the CLI's stages and the serving entry). Only
 * their definitions: reading the config (YAML, zod) is ./from-options.ts, loaded when a command runs.
 */
import { type Command, Option } from 'commander';

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
