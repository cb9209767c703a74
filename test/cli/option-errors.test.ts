import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/run.ts';

// commander prints its own messages; capture them instead of littering the test output.
let err = '';
beforeEach(() => {
  err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('option parsers throw the CLI framework invalid-argument error', () => {
  it('given --shard 5/2, when mm train parses it, then it exits 2 (bad input) naming the option, before any work', async () => {
    expect(await runCli(['train', '--config', 'no-such.yaml', '--shard', '5/2'])).toBe(2);
    expect(err).toContain("--shard must be i/N with 0 <= i < N, got '5/2'");
  });

  it('given --workers 0, when mm train parses it, then it exits 2', async () => {
    expect(await runCli(['train', '--config', 'no-such.yaml', '--workers', '0'])).toBe(2);
  });
});
