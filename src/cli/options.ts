import { type Command, InvalidArgumentError, Option } from 'commander';
import { effectiveStorage } from '../azure/cluster.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

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
  // On an Azure ML node the lake is mounted (MM_LAKE_ROOT): the stage computes on it as on a local folder.
  return { ...config, storage: effectiveStorage(config.storage) };
}

/** Parses "i/N" (0-based shard i of N). */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new Error(`--shard must be i/N with 0 <= i < N, got '${value}'`);
  }
  return { index, count };
}

/** Parser for options that take a whole number >= 1 (workers, shards, partitions). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got '${value}'`);
  return n;
}

/** Parser for options that take a whole number >= 0 (seeds). */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number >= 0, got '${value}'`);
  return n;
}
