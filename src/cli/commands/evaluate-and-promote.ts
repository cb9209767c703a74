import { Command } from 'commander';
import { type ConfigOptions, withConfigOptions } from '../../config/command-options.ts';
import { stageContext } from '../context.ts';
import { interruptSignal } from '../interrupt.ts';

interface EvaluateCommandOptions extends ConfigOptions {
  run?: string;
  dryRun?: boolean;
}

export function evaluateAndPromoteCommand(): Command {
  return withConfigOptions(new Command('evaluate-and-promote'))
    .description(
      'Judge every partition of a trained run against its baseline and the prod champion on the same holdout, ' +
        'write runs/<id>/decisions.json with the reasons, and copy only qualifying models (or, where prod has ' +
        'none yet, the baseline as a tagged stand-in) to the prod registry. Idempotent: the gate keeping every ' +
        'champion is a success (exit 0).',
    )
    .option('--run <id>', 'run id under runs/ (default: the run whose manifest was written last)')
    .option('--dry-run', 'print what would change; register and write nothing')
    .action(async (options: EvaluateCommandOptions) => {
      const { evaluateAndPromoteStage } = await import('../../stages/evaluate-and-promote.ts');
      await evaluateAndPromoteStage(await stageContext(options, { abortSignal: interruptSignal() }), {
        runId: options.run,
        dryRun: options.dryRun === true,
      });
    });
}
