import { type ConfigOptions, configFrom } from '../config/command-options.ts';
import { type StageContextOptions, stageContextFor } from '../stages/context.ts';
import type { StageContext } from '../stages/ports.ts';
import { progressFactory } from '../util/progress.ts';

/**
 * The CLI's side of a stage: the config from `--config`/`--env`, progress as a bar on a terminal or JSON lines in
 * CI, news on stderr and results on stdout. Everything else is the stage's.
 */
export function stageContext(
  options: ConfigOptions,
  extra: Omit<StageContextOptions, 'source'> = {},
): StageContext {
  return stageContextFor(configFrom(options), {
    source: { configPath: options.config, env: options.env },
    progress: progressFactory(),
    log: (line) => process.stderr.write(`${line}\n`),
    output: (line) => process.stdout.write(`${line}\n`),
    ...extra,
  });
}
