import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { describeZodIssues } from '../config/errors.ts';
import { EXIT } from '../core/errors.ts';

/** A saved file that does not match its contract: names the file and every problem, and is bad input (exit 2). */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly exitCode = EXIT.badInput;
  readonly file: string;

  constructor(what: string, file: string, problems: readonly string[]) {
    super(
      `${what} ${file} ${problems.length === 1 ? problems[0] : `is malformed:\n  - ${problems.join('\n  - ')}`}`,
    );
    this.file = file;
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
    throw new ContractError(what, file, [`is not valid JSON (${(error as Error).message})`]);
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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ContractError(what, file, ['does not exist']);
    throw error;
  }
  return parseJsonText(file, text, schema, what);
}
