/** Exit codes every stage uses, so pipelines can tell a bad input from a failed run. */
export const EXIT = {
  ok: 0,
  /** The run completed but failed its own bar (e.g. too many failed partitions). */
  runFailed: 1,
  /** Bad arguments, configuration or input data: nothing was written. */
  badInput: 2,
  /** Something outside the input went wrong (I/O, Azure, a bug). */
  internal: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that carries the exit code and a message meant for the user, printed without a stack trace. */
export class StageError extends Error {
  override readonly name = 'StageError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT.badInput) {
    super(message);
    this.exitCode = exitCode;
  }
}
