import { EXIT } from '../core/errors.ts';

/**
 * A problem with the input data: each entry of `problems` names what is wrong and where (column, rows,
 * example values or partition keys). Raised before anything is written, so a failed prepare loses nothing.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
  /** The headline: what failed validation. */
  readonly what: string;
  readonly problems: readonly string[];
  /** The machine-readable report, when validation got far enough to build one. */
  readonly report: unknown;
  /** Where that report was written, named in the message. */
  readonly reportPath: string | undefined;

  constructor(what: string, problems: readonly string[], report?: unknown, reportPath?: string) {
    super(
      `${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}` +
        (reportPath ? `\nvalidation report: ${reportPath}` : ''),
    );
    this.what = what;
    this.problems = problems;
    this.report = report;
    this.reportPath = reportPath;
  }
}
