import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { Config } from '../../config/schema.ts';
import { decisionsPath, evaluateAndPromote } from '../../promotion/evaluate.ts';
import { manifestPath, PromotionInputError } from '../../promotion/run-input.ts';
import { formatSummary } from '../../promotion/summary.ts';
import { registryFor } from '../../registry/for-config.ts';
import { lakeLayout, workingRoot } from '../../storage/layout.ts';
import { createProgress } from '../../util/progress.ts';
import { EXIT, StageError } from '../exit.ts';
import { type ConfigOptions, configFrom, withConfigOptions } from '../options.ts';

interface EvaluateCommandOptions extends ConfigOptions {
  run?: string;
  dryRun?: boolean;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function runsDir(config: Config): string {
  const root = workingRoot(config);
  return lakeLayout(root).runs;
}

/** The run folder named by --run, or the one whose manifest was written last. */
async function resolveRun(runs: string, runId: string | undefined): Promise<string> {
  if (runId !== undefined) {
    if (!RUN_ID.test(runId)) {
      throw new StageError(`--run '${runId}' is not a run id (letters, digits, '.', '_' and '-')`);
    }
    const dir = path.join(runs, runId);
    const found = await stat(manifestPath(dir)).catch(() => undefined);
    if (!found)
      throw new StageError(`run '${runId}' has no manifest at ${manifestPath(dir)}; train it first`);
    return dir;
  }
  const entries = await readdir(runs, { withFileTypes: true }).catch(() => []);
  let newest: { dir: string; mtime: number } | undefined;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(runs, entry.name);
    const manifest = await stat(manifestPath(dir)).catch(() => undefined);
    if (manifest && (!newest || manifest.mtimeMs > newest.mtime)) newest = { dir, mtime: manifest.mtimeMs };
  }
  if (!newest)
    throw new StageError(`no trained run under ${runs} (no runs/<id>/manifest.json); run 'mm train' first`);
  return newest.dir;
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
      const runDir = await resolveRun(runsDir(config), options.run);
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
      } catch (error) {
        if (error instanceof PromotionInputError) throw new StageError(error.message, EXIT.badInput);
        throw error;
      }
    });
}
