import { CommanderError } from 'commander';
import { EXIT, type ExitCode, exitCodeOf } from '../core/errors.ts';
import { shareCompileCache } from '../util/compile-cache.ts';
import { buildProgram } from './program.ts';

/** Runs the CLI and returns the exit code instead of exiting, so steps and tests can call it. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mm: ${message}\n`);
    if (code === EXIT.internal && error instanceof Error && process.env.MM_DEBUG) {
      process.stderr.write(`${error.stack}\n`);
    }
    return code;
  }
}

/**
 * Entry for `steps/<stage>.ts`: the same command as `mm <stage>`, with the process exit code set. The stage's
 * modules load after the compile cache is on (the command imports its stage when it runs).
 */
export async function runStage(stage: string, argv: readonly string[]): Promise<void> {
  shareCompileCache();
  process.exitCode = await runCli([stage, ...argv]);
}
