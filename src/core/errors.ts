/** Exit codes every stage and the serving container use, so pipelines can tell a bad input from a failed run. */
export const EXIT = {
  ok: 0,
  /** The run completed but failed its own bar (e.g. too many failed partitions). */
  runFailed: 1,
  /** Bad arguments, configuration or input data: nothing was written. */
  badInput: 2,
  /** Something outside the input went wrong (I/O, Azure, a bug). */
  internal: 3,
} as const;

/** The exit codes as `mm --help` states them: the one place a user reads them. */
export const EXIT_CODES_HELP = [
  'Exit codes (every command):',
  `  ${EXIT.ok}  done`,
  `  ${EXIT.runFailed}  the run failed its own bar (e.g. more failed partitions than engine.maxFailedShare)`,
  `  ${EXIT.badInput}  bad arguments, configuration or input data (nothing was written)`,
  `  ${EXIT.internal}  anything else (I/O, a full disk, Azure, a bug)`,
].join('\n');

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const CODES = new Set<number>(Object.values(EXIT));

/**
 * The exit code an error asks for: every error class meant for users carries `exitCode`; anything else is an
 * internal failure. One mapping, shared by the CLI and the serving container.
 */
export function exitCodeOf(error: unknown): ExitCode {
  if (typeof error === 'object' && error !== null && 'exitCode' in error) {
    const code = (error as { exitCode: unknown }).exitCode;
    if (typeof code === 'number' && CODES.has(code)) return code as ExitCode;
  }
  return EXIT.internal;
}

/** An error that carries the exit code and a message meant for the user, printed without a stack trace. */
export class StageError extends Error {
  override readonly name = 'StageError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT.badInput, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
