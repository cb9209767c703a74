import { InvalidArgumentError } from 'commander';

/** Parses "i/N" (0-based shard i of N). */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new InvalidArgumentError(`--shard must be i/N with 0 <= i < N, got '${value}'`);
  }
  return { index, count };
}

/** Parser for options that take a whole number >= 1 (workers, shards, partitions). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got '${value}'`);
  return n;
}

/** Parser for options that take a whole number >= 0 (seeds). */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number >= 0, got '${value}'`);
  return n;
}
