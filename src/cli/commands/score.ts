import { Command, Option } from 'commander';
import type { Config } from '../../config/schema.ts';
import { EXIT, StageError } from '../../core/errors.ts';
import { newRunId } from '../../engine/run.ts';
import { scoreRun } from '../../scoring/score.ts';
import { runOnCluster, runsOnCluster } from '../cluster.ts';
import { layoutFor } from '../lake.ts';
import { type ConfigOptions, configFrom, positiveInt, withConfigOptions } from '../options.ts';

interface ScoreOptions extends ConfigOptions {
  future?: string;
  run?: string;
  workers?: number;
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
    .action(async (options: ScoreOptions) => {
      const config = configFrom(options);
      if (runsOnCluster(config)) {
        const runId = options.run ?? newRunId();
        await runOnCluster('score', { config, configPath: options.config, env: options.env, runId });
        await refreshSynapse(config);
        return;
      }
      const layout = layoutFor(config);
      const result = await scoreRun({
        config,
        preparedDir: layout.prepared,
        predictionsDir: layout.predictions,
        warehousePath: layout.warehouse,
        ...(options.future ? { futurePath: options.future } : {}),
        ...(options.run ? { runId: options.run } : {}),
        ...(options.workers ? { workers: options.workers } : {}),
      });
      const s = result.byStatus;
      console.log(
        `scored ${result.partitions} partitions: ${s.ok} ok, ${s['no-model']} without a prod model, ${s.failed} failed` +
          (result.usedFallback > 0
            ? ` (${result.usedFallback} without planned covariates: fallback used)`
            : '') +
          `\npredictions: ${result.parquetPath}\nwarehouse:   ${layout.warehouse} (table predictions, view latest_predictions)`,
      );
      if (s.failed > 0 && s.failed / Math.max(1, result.partitions) > config.engine.maxFailedShare) {
        throw new StageError(
          `${s.failed} partitions failed to score; see the message column`,
          EXIT.runFailed,
        );
      }
    });
}

/** Exposes the lake's predictions through the Synapse serverless view Power BI reads, when one is configured. */
async function refreshSynapse(config: Config): Promise<void> {
  if (!config.synapse || config.storage.kind !== 'azure') return;
  const { refreshPredictionsView } = await import('../../azure/synapse.ts');
  const { dfsUrl } = await import('../../azure/synapse-sql.ts');
  await refreshPredictionsView({
    server: config.synapse.server,
    database: config.synapse.database,
    lakeUrl: dfsUrl(config.storage.accountUrl, config.storage.container),
    partitionBy: config.dataset.partitionBy,
    timeColumn: config.dataset.time,
  });
  console.log(
    `Synapse view refreshed: ${config.synapse.server}/${config.synapse.database} dbo.latest_predictions`,
  );
}
