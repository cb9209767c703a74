import { Command } from 'commander';
import type { Config } from '../../config/schema.ts';
import { EXIT, StageError } from '../../core/errors.ts';
import { resolveRun } from '../../engine/runs.ts';
import { decisionsPath, evaluateAndPromote } from '../../promotion/evaluate.ts';
import { PromotionInputError } from '../../promotion/run-input.ts';
import { formatSummary } from '../../promotion/summary.ts';
import { registryFor } from '../../registry/for-config.ts';
import { lakeLayout, workingRoot } from '../../storage/layout.ts';
import { createProgress } from '../../util/progress.ts';
import { pullFromLake, pushToLake } from '../lake-sync.ts';
import { type ConfigOptions, configFrom, withConfigOptions } from '../options.ts';

interface EvaluateCommandOptions extends ConfigOptions {
  run?: string;
  dryRun?: boolean;
}

function runsDir(config: Config): string {
  return lakeLayout(workingRoot(config)).runs;
}

export function evaluateAndPromoteCommand(): Command {
  return withConfigOptions(new Command('evaluate-and-promote'))
    .description(
      'Judge every partition of a trained run against its baseline and the prod champion on the same holdout, ' +
        'write runs/<id>/decisions.json with the reasons, and copy only qualifying models (or, where prod has ' +
        'none yet, the baseline as a tagged fallback) to the prod registry. Idempotent; exits 0 when the gate ' +
        'keeps champions, non-zero only for bad input (2) or internal errors (3).',
    )
    .option('--run <id>', 'run id under runs/ (default: the run whose manifest was written last)')
    .option('--dry-run', 'print what would change; register and write nothing')
    .action(async (options: EvaluateCommandOptions) => {
      const config = configFrom(options);
      if (config.storage.kind === 'azure') {
        if (!options.run) throw new StageError('with the lake in Azure, name the run to promote: --run <id>');
        await pullFromLake(config, [`runs/${options.run}`]);
      }
      const runDir = resolveRun(runsDir(config), options.run);
      const prod = registryFor(config, 'prod');
      try {
        const file = await evaluateAndPromote({
          runDir,
          prod,
          rules: config.promotion,
          dryRun: options.dryRun === true,
          progress: (total) => createProgress({ label: 'evaluate-and-promote', total }),
        });
        process.stdout.write(
          formatSummary(file, file.dryRun ? {} : { decisionsFile: decisionsPath(runDir) }),
        );
        if (!file.dryRun) await pushToLake(config, [`runs/${file.runId}`]);
      } catch (error) {
        if (error instanceof PromotionInputError) throw new StageError(error.message, EXIT.badInput);
        throw error;
      }
    });
}
