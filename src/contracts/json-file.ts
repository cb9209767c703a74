import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { describeZodIssues } from '../config/errors.ts';
import { EXIT } from '../core/errors.ts';

/** A saved file that does not match its contract: names the file and every problem, and is bad input (exit 2). */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly exitCode = EXIT.badInput;
  readonly file: string;
  /** Each problem on its own: a field path and what is wrong with it, or why the file could not be read. */
  readonly problems: readonly string[];

  constructor(what: string, file: string, problems: readonly string[], headline = 'is malformed') {
    const listed =
      problems.length === 0
        ? ''
        : problems.length === 1
          ? `: ${problems[0]}`
          : `:\n  - ${problems.join('\n  - ')}`;
    super(`${what} ${file} ${headline}${listed}`);
    this.file = file;
    this.problems = problems.length > 0 ? problems : [headline];
  }
}

/** Parses the text of a saved JSON file against its contract. */
export function parseJsonText<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  what: string,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ContractError(what, file, [], `is not valid JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ContractError(what, file, describeZodIssues(parsed.error));
  return parsed.data;
}

/** Reads a saved JSON file and checks it against its contract; every reader of a saved file goes through here. */
export async function readJsonFile<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new ContractError(what, file, [], `cannot be read (${code})`);
  }
  return parseJsonText(file, text, schema, what);
}
