import os from 'node:os';
import { Command, Option } from 'commander';
import { parallelManifest } from '../../compute/parallel-manifest.ts';
import { EXIT, StageError } from '../../core/errors.ts';
import type { RunManifest } from '../../engine/manifest.ts';
import { failedShareOf } from '../../engine/merge.ts';
import { mergeRun } from '../../engine/merge-run.ts';
import { registerRun } from '../../engine/register.ts';
import { manifestFile, newRunId, trainRun } from '../../engine/run.ts';
import { trainInShardProcesses } from '../../engine/shard-processes.ts';
import { registryFor } from '../../registry/for-config.ts';
import type { ModelRegistry } from '../../registry/types.ts';
import { writeJsonAtomic } from '../../util/atomic.ts';
import { runsOnCluster, trainOnCluster } from '../cluster.ts';
import { layoutFor } from '../lake.ts';
import { type ConfigOptions, configFrom, parseShard, positiveInt, withConfigOptions } from '../options.ts';

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
      const config = configFrom(options);
      const layout = layoutFor(config);
      const dev = options.register && !options.shard ? registryFor(config, 'dev') : undefined;
      if (options.mergeRows !== undefined) {
        if (!options.run) throw new StageError('--merge-rows needs the run id (--run <id>)');
        const manifest = await parallelManifest({
          rowsFile: options.mergeRows,
          preparedDir: layout.prepared,
          runId: options.run,
          startedAt: new Date().toISOString(),
        });
        await writeJsonAtomic(manifestFile(layout.run(options.run)), manifest);
        await finish(manifest, layout.run(options.run), dev, config.engine.maxFailedShare);
        return;
      }
      if (runsOnCluster(config) && !options.shard && options.merge === undefined) {
        const runId = options.run ?? newRunId();
        const nodes = options.shards ?? config.compute!.instanceCount;
        await trainOnCluster({ config, configPath: options.config, env: options.env, runId }, nodes);
        console.log(
          `run ${runId}: trained on ${nodes} node(s) of ${config.compute!.cluster}, merged and registered`,
        );
        return;
      }
      let manifest: RunManifest;
      if (options.shards !== undefined && options.shards > 1) {
        const runId = options.run ?? newRunId();
        manifest = await trainInShardProcesses({
          configPath: options.config,
          env: options.env,
          runId,
          runsDir: layout.runs,
          count: options.shards,
          workersEach: Math.max(
            1,
            Math.floor((options.workers ?? os.availableParallelism()) / options.shards),
          ),
          ...(options.resume ? { resume: true } : {}),
        });
      } else if (options.merge !== undefined) {
        if (!options.run) throw new StageError('--merge needs the run id (--run <id>)');
        manifest = await mergeRun(layout.runs, options.run, options.merge);
      } else {
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
        manifest = result.manifest;
      }
      await finish(manifest, layout.run(manifest.runId), dev, config.engine.maxFailedShare);
    });
}

/** Reports, registers and applies the failed-share bar, whichever way the run was trained. */
async function finish(
  manifest: RunManifest,
  runDir: string,
  dev: ModelRegistry | undefined,
  maxFailedShare: number,
): Promise<void> {
  const { totals } = manifest;
  const file = manifestFile(runDir, manifest.shard ?? undefined);
  console.log(
    `run ${manifest.runId}: ${totals.ok} ok, ${totals.failed} failed, ${totals.skipped} skipped\nmanifest: ${file}`,
  );
  if (dev) {
    const versions = await registerRun(manifest, runDir, dev);
    console.log(`registered ${versions.length} models in the dev registry`);
  }
  const failedShare = failedShareOf(manifest);
  if (failedShare > maxFailedShare) {
    throw new StageError(
      `${(failedShare * 100).toFixed(1)}% of partitions failed, above engine.maxFailedShare ` +
        `${(maxFailedShare * 100).toFixed(1)}%; see ${file}`,
      EXIT.runFailed,
    );
  }
}
