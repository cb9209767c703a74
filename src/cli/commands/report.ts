import path from 'node:path';
import { Command, Option } from 'commander';
import { EXIT, StageError } from '../../core/errors.ts';
import { resolveRunDir } from '../../report/runs.ts';
import { ReportInputError } from '../../report/schemas.ts';
import { writeReport } from '../../report/write.ts';
import { workingRoot } from '../../storage/layout.ts';
import { pullFromLake, pushToLake } from '../lake-sync.ts';
import { type ConfigOptions, configFrom, withConfigOptions } from '../options.ts';

interface ReportOptions extends ConfigOptions {
  run?: string;
  out?: string;
  best: number;
  worst: number;
  partition?: string[];
}

function count(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 50)
      throw new StageError(`${name} must be a whole number from 0 to 50, got '${value}'`);
    return n;
  };
}

export function reportCommand(): Command {
  const command = new Command('report').description(
    'write a self-contained HTML report of a run (summary, accuracy vs baseline, promotion, forecast charts); prints its path',
  );
  withConfigOptions(command)
    .addOption(new Option('-r, --run <runId>', 'run to report on (default: the newest run with a manifest)'))
    .addOption(new Option('-o, --out <file>', 'output file (default: <storage root>/reports/<runId>.html)'))
    .addOption(new Option('--best <n>', 'best partitions to chart').argParser(count('--best')).default(3))
    .addOption(new Option('--worst <n>', 'worst partitions to chart').argParser(count('--worst')).default(3))
    .addOption(new Option('-p, --partition <modelName...>', 'partitions (model names) to chart first'))
    .action(async (options: ReportOptions) => {
      const config = configFrom(options);
      if (config.storage.kind === 'azure') {
        if (!options.run)
          throw new StageError('with the lake in Azure, name the run to report on: --run <id>');
        await pullFromLake(config, [`runs/${options.run}`, 'prepared', 'predictions']);
      }
      const root = path.resolve(workingRoot(config));
      try {
        const runDir = resolveRunDir(root, options.run);
        const result = await writeReport({
          runDir,
          root,
          out: options.out,
          best: options.best,
          worst: options.worst,
          partitions: options.partition ?? [],
          columns: { time: config.dataset.time, target: config.dataset.target },
        });
        for (const warning of result.warnings) process.stderr.write(`mm report: ${warning}\n`);
        process.stdout.write(`${result.path}\n`);
        await pushToLake(config, ['reports']);
      } catch (error) {
        if (error instanceof ReportInputError) throw new StageError(error.message, EXIT.badInput);
        throw error;
      }
    });
  return command;
}
