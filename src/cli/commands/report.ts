import { Command, InvalidArgumentError, Option } from 'commander';
import { type ConfigOptions, withConfigOptions } from '../../config/command-options.ts';
import { stageContext } from '../context.ts';

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
      throw new InvalidArgumentError(`${name} must be a whole number from 0 to 50, got '${value}'`);
    return n;
  };
}

export function reportCommand(): Command {
  const command = new Command('report').description(
    'Write a self-contained HTML report of a run (summary, accuracy vs baseline, promotion, forecast charts) and print its path.',
  );
  withConfigOptions(command)
    .addOption(new Option('-r, --run <runId>', 'run to report on (default: the newest run with a manifest)'))
    .addOption(new Option('-o, --out <file>', 'output file (default: <storage root>/reports/<runId>.html)'))
    .addOption(new Option('--best <n>', 'best partitions to chart').argParser(count('--best')).default(3))
    .addOption(new Option('--worst <n>', 'worst partitions to chart').argParser(count('--worst')).default(3))
    .addOption(new Option('-p, --partition <modelName...>', 'partitions (model names) to chart first'))
    .action(async (options: ReportOptions) => {
      const { reportStage } = await import('../../stages/report.ts');
      await reportStage(await stageContext(options), {
        runId: options.run,
        out: options.out,
        best: options.best,
        worst: options.worst,
        partitions: options.partition ?? [],
      });
    });
  return command;
}
