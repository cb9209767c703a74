import { Command, Option } from 'commander';
import { type ConfigOptions, withConfigOptions } from '../../config/command-options.ts';
import { stageContext } from '../context.ts';

interface PrepareFlags extends ConfigOptions {
  out?: string;
  report?: string;
}

export function prepareCommand(): Command {
  return withConfigOptions(
    new Command('prepare')
      .description(
        'Validate the dataset and write the prepared Parquet lake (hash buckets, catalog, meta, validation report).',
      )
      // Bad flags become a CommanderError (exit code 2 in runCli) instead of a process.exit from commander.
      .exitOverride(),
  )
    .addOption(new Option('--out <dir>', 'prepared folder (default: <storage root>/prepared)'))
    .addOption(
      new Option(
        '--report <file>',
        'validation report; outside the prepared folder it is also written on failure',
      ),
    )
    .action(async (flags: PrepareFlags) => {
      const { prepareStage } = await import('../../stages/prepare.ts');
      await prepareStage(await stageContext(flags), { out: flags.out, reportPath: flags.report });
    });
}
