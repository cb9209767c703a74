import { EXIT } from './errors.ts';

/** Run ids become folder names and AML job names: letters, digits, '.', '_' and '-', starting alphanumeric. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isRunId(id: string): boolean {
  return RUN_ID.test(id) && !id.includes('..');
}

/** A run id that is not one: bad input (exit 2), found before anything is read or written. */
export class InvalidRunIdError extends Error {
  override readonly name = 'ValidationError';
  readonly exitCode = EXIT.badInput;
}

/**
 * The one check every stage's run id passes (through the lake layout, the predictions writer and the CLI), so
 * `--run ../../x` can never name a folder outside the storage root.
 */
export function assertRunId(id: string, what = '--run'): string {
  if (!isRunId(id)) {
    throw new InvalidRunIdError(
      `${what} '${id}' is not a run id: use 1-64 letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
  return id;
}
