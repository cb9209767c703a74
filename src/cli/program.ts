import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { EXIT_CODES_HELP } from '../core/errors.ts';
import { serveCommand } from '../serving/command.ts';
import { demoCommand } from './commands/demo.ts';
import { evaluateAndPromoteCommand } from './commands/evaluate-and-promote.ts';
import { generateCommand } from './commands/generate.ts';
import { prepareCommand } from './commands/prepare.ts';
import { reportCommand } from './commands/report.ts';
import { scoreCommand } from './commands/score.ts';
import { trainCommand } from './commands/train.ts';

export const STAGES = [
  generateCommand,
  prepareCommand,
  trainCommand,
  evaluateAndPromoteCommand,
  scoreCommand,
  reportCommand,
  serveCommand,
  demoCommand,
] as const;

export function buildProgram(): Command {
  const program = new Command('mm')
    .description(
      'many-models: one forecasting model per partition, trained in parallel, promoted by rules, scored and served.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of many-models')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .showHelpAfterError()
    .exitOverride();
  // addCommand does not pass exitOverride on: each stage needs it so a bad option exits 2, not 1.
  for (const stage of STAGES) program.addCommand(stage().exitOverride());
  return program;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
