import path from 'node:path';
import { Command, Option } from 'commander';
import { datasetNameFromFile } from '../../config/namespace.ts';
import { EXIT, StageError } from '../../core/errors.ts';
import { positiveInt, wholeNumber } from '../options.ts';
import { runCli } from '../run.ts';

interface DemoOptions {
  partitions: number;
  periods: number;
  seed: number;
  config: string;
}

/**
 * The whole pipeline on the embedded default, stage by stage, through exactly the commands the Azure DevOps
 * pipeline runs (`mm <stage>`), so the demo proves the pipeline rather than a shortcut around it.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Run generate, prepare, train, evaluate-and-promote, score and report locally, then print where the outputs are.',
    )
    .addOption(
      new Option('--partitions <n>', 'store x brand series to generate').default(1000).argParser(positiveInt),
    )
    .addOption(new Option('--periods <n>', 'weeks per series').default(156).argParser(positiveInt))
    .addOption(new Option('--seed <n>', 'random seed').default(42).argParser(wholeNumber))
    .option('-c, --config <file>', 'dataset config of the demo data', 'configs/demo.yaml')
    .action(async (options: DemoOptions) => {
      const raw = path.join('.mm/local', 'raw', 'demo.parquet');
      const future = path.join('.mm/local', 'raw', 'demo.future.parquet');
      const common = ['--config', options.config, '--env', 'local'];
      const stages: string[][] = [
        [
          'generate',
          '--partitions',
          String(options.partitions),
          '--periods',
          String(options.periods),
          '--seed',
          String(options.seed),
          '--frequency',
          'W',
          '--out',
          raw,
          '--future',
          '8',
        ],
        ['prepare', ...common],
        ['train', ...common],
        ['evaluate-and-promote', ...common],
        ['score', ...common, '--future', future],
        ['report', ...common],
      ];
      const started = Date.now();
      for (const argv of stages) {
        process.stderr.write(`\n== mm ${argv.join(' ')}\n`);
        const code = await runCli(argv);
        if (code !== EXIT.ok) throw new StageError(`demo stopped: 'mm ${argv[0]}' exited with ${code}`, code);
      }
      // The local environment's storage root, and the dataset's own folder in it (src/config/namespace.ts).
      const root = `.mm/local/datasets/${datasetNameFromFile(options.config)}`;
      console.log(
        `\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s. Outputs under ${root}/:\n` +
          `  raw data + ground truth   .mm/local/raw/\n` +
          `  prepared lake             ${root}/prepared/\n` +
          `  runs (manifests, models)  ${root}/runs/\n` +
          `  registries dev / prod     ${root}/registry/\n` +
          `  predictions (Parquet)     ${root}/predictions/\n` +
          `  warehouse (DuckDB)        ${root}/warehouse.duckdb\n` +
          `  report (HTML)             ${root}/reports/`,
      );
    });
}
