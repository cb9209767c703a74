import path from 'node:path';
import { Command, Option } from 'commander';
import { historyWarning } from '../../config/horizon.ts';
import { formatReport, prepare } from '../../data/index.ts';
import { defaultProgressMode } from '../../util/progress.ts';
import { layoutFor } from '../lake.ts';
import { mirrorToLake } from '../lake-sync.ts';
import { type ConfigOptions, configFrom, withConfigOptions } from '../options.ts';

interface PrepareFlags extends ConfigOptions {
  out?: string;
  report?: string;
}

export function prepareCommand(): Command {
  return withConfigOptions(
    new Command('prepare')
      .description(
        'validate the dataset and write the prepared Parquet lake (hash buckets, catalog, meta, validation report)',
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
      const config = configFrom(flags);
      const outDir = path.resolve(flags.out ?? layoutFor(config).prepared);
      const result = await prepare(config, {
        outDir,
        reportPath: flags.report,
        progress: defaultProgressMode(),
      });
      const { meta } = result;
      process.stdout.write(
        `${formatReport(result.report)}\n` +
          `prepared ${meta.rows.prepared} rows of ${meta.partitions.ok} partitions into ${outDir} ` +
          `(${meta.buckets} bucket(s), fingerprint ${meta.dataFingerprint}) in ${result.seconds.toFixed(1)} s\n` +
          `report: ${result.reportPath}\n`,
      );
      const history = meta.partitions.ok > 0 ? meta.rows.prepared / meta.partitions.ok : 0;
      const warning = historyWarning(config.forecast.horizon, history);
      if (warning) process.stderr.write(`mm: warning in ${flags.config}: ${warning}\n`);
      // On Azure the cluster's train job mounts the lake: the prepared data must be there, and only it.
      if (!flags.out) await mirrorToLake(config, 'prepared');
    });
}
