import { Command, Option } from 'commander';
import { type ConfigOptions, withConfigOptions } from '../../config/command-options.ts';
import { stageContext } from '../context.ts';
import { interruptSignal } from '../interrupt.ts';
import { positiveInt } from '../options.ts';

interface ScoreOptions extends ConfigOptions {
  future?: string;
  run?: string;
  workers?: number;
  refreshFromRows?: string;
  prepared?: string;
}

export function scoreCommand(): Command {
  return withConfigOptions(new Command('score'))
    .description(
      'Forecast the horizon for every partition with its current prod model and write the predictions table ' +
        '(Parquet in the lake, plus the warehouse table). Partitions without a prod model get a status row.',
    )
    .option(
      '--future <file>',
      'planned covariates for the horizon (CSV or Parquet: partition, time, features)',
    )
    .option('--run <id>', 'scoring run id (default: a new one)')
    .addOption(new Option('--workers <n>', 'worker threads (default: one per core)').argParser(positiveInt))
    .addOption(
      new Option(
        '--refresh-from-rows <file>',
        'instead of scoring: sum up the rows the Azure ML parallel step appended for --run, load the warehouse ' +
          "and refresh the Synapse view (the score pipeline's last step)",
      ).conflicts(['future', 'workers']),
    )
    .option('--prepared <dir>', 'with --refresh-from-rows: the prepared lake to check the rows against')
    .action(async (options: ScoreOptions) => {
      const { scoreStage } = await import('../../stages/score.ts');
      await scoreStage(await stageContext(options, { abortSignal: interruptSignal() }), {
        runId: options.run,
        futurePath: options.future,
        workers: options.workers,
        refreshFromRows: options.refreshFromRows,
        preparedDir: options.prepared,
      });
    });
}
