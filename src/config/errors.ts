import type { z } from 'zod';
import { EXIT } from '../core/errors.ts';

/** A configuration problem that names the file, the key and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
  readonly source: string;
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[]) {
    super(`invalid configuration in ${source}:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.source = source;
    this.issues = issues;
  }
}

export function describeZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${key}: unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    }
    return `${key}: ${issue.message}`;
  });
}
