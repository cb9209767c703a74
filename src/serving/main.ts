/**
 * The container's entry point: `mm serve` without the rest of the CLI, so the service starts in well under a
 * second and its image carries no stage it never runs (DuckDB, Pulumi, the report). Same options as `mm serve`.
 */
import { CommanderError } from 'commander';
import { EXIT, exitCodeOf } from '../core/errors.ts';
import { serveCommand } from './command.ts';

try {
  await serveCommand().name('mm-serve').exitOverride().parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mm serve: ${message}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
