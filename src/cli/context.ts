import type { ConfigOptions } from '../config/command-options.ts';
import type { StageContextOptions } from '../stages/context.ts';
import type { StageContext } from '../stages/ports.ts';

/**
 * The CLI's side of a stage: the config from `--config`/`--env`, progress as a bar on a terminal or JSON lines in
 * CI, news on stderr and results on stdout. Everything else is the stage's. What it needs is imported here, when a
 * command runs: `mm --help` and `mm --version` load none of it (test/cli/startup.test.ts).
 */
export async function stageContext(
  options: ConfigOptions,
  extra: Omit<StageContextOptions, 'source'> = {},
): Promise<StageContext> {
  const [{ configFrom }, { stageContextFor }, { progressFactory }] = await Promise.all([
    import('../config/from-options.ts'),
    import('../stages/context.ts'),
    import('../util/progress.ts'),
  ]);
  return stageContextFor(configFrom(options), {
    source: { configPath: options.config, env: options.env },
    progress: progressFactory(),
    log: (line) => process.stderr.write(`${line}\n`),
    output: (line) => process.stdout.write(`${line}\n`),
    ...extra,
  });
}
