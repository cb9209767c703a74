/**
 * The container's entry point: `mm serve` without the rest of the CLI, so the service starts in well under a
 * second and its image carries no stage it never runs (DuckDB, Pulumi, the report). Same options as `mm serve`.
 */
import { CommanderError } from 'commander';
import { serveCommand } from '../cli/commands/serve.ts';
import { EXIT, StageError } from '../cli/exit.ts';

const BAD_INPUT = new Set(['ConfigError', 'ValidationError', 'RegistryError']);

try {
  await serveCommand().name('mm-serve').exitOverride().parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mm serve: ${message}\n`);
    const name = error instanceof Error ? error.name : '';
    if (error instanceof StageError) process.exitCode = error.exitCode;
    else process.exitCode = BAD_INPUT.has(name) ? EXIT.badInput : EXIT.internal;
  }
}
