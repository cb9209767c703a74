import { EXIT, type ExitCode } from '../core/errors.ts';

/** A run that cannot start or finish; arguments that name an impossible run are bad input (exit 2). */
export class RunError extends Error {
  override readonly name = 'RunError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT.internal) {
    super(message);
    this.exitCode = exitCode;
  }
}
