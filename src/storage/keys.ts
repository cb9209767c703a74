import { EXIT } from '../core/errors.ts';

/**
 * Blob keys are '/'-separated relative paths ('prepared/bucket=001/part.parquet'). Both stores accept exactly the
 * same keys, so a key that works locally works on ADLS: no leading '/', no '.' or '..' segments (they would
 * escape a local root), no backslashes, no empty segments, no control characters, at most 1024 characters.
 */
export class BlobKeyError extends Error {
  override readonly name = 'BlobKeyError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
}

const MAX_KEY = 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new BlobKeyError(`invalid blob key '${printable(key)}': ${problem}`);
  return key;
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key === '') return 'it is empty';
  if (key.length > MAX_KEY) return `it is longer than ${MAX_KEY} characters`;
  if (CONTROL.test(key)) return 'it holds a control character';
  if (key.includes('\\')) return "use '/' to separate folders, not '\\'";
  if (key.startsWith('/')) return "it must be relative (no leading '/')";
  if (key.endsWith('/')) return "it names a folder (trailing '/'), not a blob";
  for (const segment of key.split('/')) {
    if (segment === '') return "it has an empty segment ('//')";
    if (segment === '.' || segment === '..') return `it has a '${segment}' segment`;
  }
  return undefined;
}

/** A listing prefix: '' (everything) or a key-like string; a trailing '/' is allowed. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = keyProblem(trimmed);
  if (problem) throw new BlobKeyError(`invalid blob prefix '${printable(prefix)}': ${problem}`);
  return prefix;
}

/** The folder form of a prefix: '' stays '', 'runs' and 'runs/' both become 'runs/'. */
export function folderPrefix(prefix: string): string {
  checkPrefix(prefix);
  if (prefix === '') return '';
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function joinKey(prefix: string, relative: string): string {
  return checkKey(`${folderPrefix(prefix)}${relative}`);
}

function printable(key: string): string {
  const shown = String(key).replace(CONTROL, '?');
  return shown.length > 120 ? `${shown.slice(0, 120)}...` : shown;
}

/** A byte range to read: a non-negative offset and a positive length, both safe integers. */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 1) {
    throw new RangeError(`bad byte range ${offset}+${length}`);
  }
}
