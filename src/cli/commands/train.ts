import { Command, Option } from 'commander';
import { mergeRun } from '../../engine/merge-run.ts';
import { registerRun } from '../../engine/register.ts';
import { trainRun } from '../../engine/run.ts';
import { registryFor } from '../../registry/for-config.ts';
import { EXIT, StageError } from '../exit.ts';
import { layoutFor } from '../lake.ts';
import { type ConfigOptions, configFrom, parseShard, withConfigOptions } from '../options.ts';

interface TrainOptions extends ConfigOptions {
  run?: string;
  shard?: { index: number; count: number };
  resume?: boolean;
  onlyFailed?: boolean;
  workers?: number;
  register: boolean;
  merge?: number;
}

export function trainCommand(): Command {
  return withConfigOptions(new Command('train'))
    .description(
      'Train one model per partition of the prepared lake in a worker-thread pool, journal each batch, write the ' +
        'run manifest, and register the models in the dev registry in bulk.',
    )
    .option('--run <id>', 'run id (default: a new one); shards of one run and --resume need it')
    .option('--shard <i/N>', 'train only shard i of N (0-based); N machines split one run', parseShard)
    .option('--resume', 'continue the run: partitions already journaled are not trained again')
    .option('--only-failed', 'retrain only the partitions the run recorded as failed')
    .addOption(new Option('--workers <n>', 'worker threads (default: one per core)').argParser(Number))
    .option('--no-register', 'do not register the models in the dev registry (shards register after merging)')
    .addOption(
      new Option(
        '--merge <N>',
        'merge the N shard manifests of --run into its manifest and register the models',
      )
        .argParser(Number)
        .conflicts(['shard', 'resume', 'onlyFailed']),
    )
    .action(async (options: TrainOptions) => {
      const config = configFrom(options);
      const layout = layoutFor(config);
      if (options.merge !== undefined) {
        if (!options.run) throw new StageError('--merge needs the run id (--run <id>)');
        const manifest = await mergeRun(layout.runs, options.run, options.merge);
        const { totals } = manifest;
        console.log(
          `run ${manifest.runId}: merged ${options.merge} shards: ${totals.ok} ok, ${totals.failed} failed, ${totals.skipped} skipped`,
        );
        if (options.register) {
          const versions = await registerRun(
            manifest,
            layout.run(manifest.runId),
            registryFor(config, 'dev'),
          );
          console.log(`registered ${versions.length} models in the dev registry`);
        }
        return;
      }
      const result = await trainRun({
        config,
        preparedDir: layout.prepared,
        runsDir: layout.runs,
        ...(options.run ? { runId: options.run } : {}),
        ...(options.shard ? { shard: options.shard } : {}),
        ...(options.resume ? { resume: true } : {}),
        ...(options.onlyFailed ? { onlyFailed: true } : {}),
        ...(options.workers ? { workers: options.workers } : {}),
      });
      const { totals } = result.manifest;
      console.log(
        `run ${result.runId}: ${totals.ok} ok, ${totals.failed} failed, ${totals.skipped} skipped ` +
          `(${result.trainedNow} trained now)\nmanifest: ${result.manifestPath}`,
      );
      if (options.register && !options.shard) {
        const versions = await registerRun(result.manifest, result.runDir, registryFor(config, 'dev'));
        console.log(`registered ${versions.length} models in the dev registry`);
      }
      if (!result.passed) {
        throw new StageError(
          `${(result.failedShare * 100).toFixed(1)}% of partitions failed, above engine.maxFailedShare ` +
            `${(config.engine.maxFailedShare * 100).toFixed(1)}%; see ${result.manifestPath}`,
          EXIT.runFailed,
        );
      }
    });
}
