import { Command, Option } from 'commander';
import { type ConfigOptions, withConfigOptions } from '../../config/command-options.ts';
import { stageContext } from '../context.ts';
import { interruptSignal } from '../interrupt.ts';
import { parseShard, positiveInt } from '../options.ts';

interface TrainOptions extends ConfigOptions {
  run?: string;
  shard?: { index: number; count: number };
  shards?: number;
  merge?: number;
  mergeRows?: string;
  resume?: boolean;
  onlyFailed?: boolean;
  workers?: number;
  register: boolean;
}

export function trainCommand(): Command {
  return withConfigOptions(new Command('train'))
    .description(
      'Train one model per partition of the prepared lake in a worker-thread pool, journal each batch, write the ' +
        'run manifest, and register the models in the dev registry in bulk.',
    )
    .option('--run <id>', 'run id (default: a new one); shards of one run and --resume need it')
    .option('--resume', 'continue the run: partitions already journaled are not trained again')
    .option('--only-failed', 'retrain only the partitions the run recorded as failed')
    .addOption(new Option('--workers <n>', 'worker threads (default: one per core)').argParser(positiveInt))
    .addOption(
      new Option(
        '--shards <N>',
        'split the run over N engine processes (N cluster nodes on Azure), then merge',
      )
        .argParser(positiveInt)
        .conflicts(['shard', 'merge', 'onlyFailed']),
    )
    .option('--shard <i/N>', 'train only shard i of N (0-based): what one of N machines runs', parseShard)
    .addOption(
      new Option(
        '--merge <N>',
        'merge the N shard manifests of --run into its manifest and register the models',
      )
        .argParser(positiveInt)
        .conflicts(['shard', 'resume', 'onlyFailed']),
    )
    .addOption(
      new Option(
        '--merge-rows <file>',
        "build --run's manifest from the AML parallel step's rows (append_row_to) and register the models",
      ).conflicts(['shard', 'shards', 'merge', 'resume', 'onlyFailed']),
    )
    .option('--no-register', 'do not register the models in the dev registry')
    .action(async (options: TrainOptions) => {
      const { trainStage } = await import('../../stages/train.ts');
      await trainStage(
        await stageContext(options, { shards: options.shards, abortSignal: interruptSignal() }),
        {
          runId: options.run,
          resume: options.resume,
          onlyFailed: options.onlyFailed,
          workers: options.workers,
          shard: options.shard,
          merge: options.merge,
          mergeRows: options.mergeRows,
          register: options.register,
        },
      );
    });
}
