import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/run.ts';
import type { GroundTruth } from '../../../src/generate/index.ts';
import { listing, useTempDir } from '../../data/fixtures.ts';

const tempDir = useTempDir();
let out = '';
let err = '';

beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('mm generate', () => {
  it('writes the dataset, its truth and planned covariates, and says where', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'raw', 'demo.parquet');
    const code = await runCli([
      'generate',
      '--partitions',
      '12',
      '--periods',
      '40',
      '--frequency',
      'W',
      '--seed',
      '5',
      '--out',
      file,
    ]);

    expect(code).toBe(0);
    expect(listing(dir)).toEqual([
      'raw',
      'raw/demo.future.parquet',
      'raw/demo.parquet',
      'raw/demo.truth.json',
    ]);
    const truth = JSON.parse(await readFile(path.join(dir, 'raw', 'demo.truth.json'), 'utf8')) as GroundTruth;
    expect(truth).toMatchObject({ seed: 5, frequency: 'W', periods: 40 });
    expect(out).toMatch(/^generated \d+ rows for 12 partitions in [\d.]+ s\n/);
    expect(out).toContain(`  data:   ${file} (time column WeekStarting)`);
    expect(out).toContain(
      `  future: ${path.join(dir, 'raw', 'demo.future.parquet')} (planned Price and Advert, 8 periods)`,
    );
  });

  it('writes daily CSV with a Date column and no future file when --future 0', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'daily.csv');
    const code = await runCli([
      'generate',
      '--partitions',
      '3',
      '--periods',
      '30',
      '--frequency',
      'D',
      '--future',
      '0',
      '--out',
      file,
    ]);
    expect(code).toBe(0);
    expect(listing(dir)).toEqual(['daily.csv', 'daily.truth.json']);
    expect((await readFile(file, 'utf8')).split('\n')[0]).toBe(
      'Date,Store,Brand,Quantity,Advert,Price,Revenue',
    );
  });

  it.each([
    [
      ['--partitions', 'many'],
      "option '--partitions <n>' argument 'many' is invalid. expected a whole number",
    ],
    [['--frequency', 'Q'], "option '--frequency <f>' argument 'Q' is invalid. Allowed choices are D, W, M."],
    [['--missing', '0.9'], 'missingShare must be from 0 to 0.5, got 0.9'],
  ])('exits 2 on %j and writes nothing', async (flags, message) => {
    const dir = await tempDir();
    const code = await runCli(['generate', ...flags, '--out', path.join(dir, 'x.parquet')]);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(listing(dir)).toEqual([]);
  });
});
