import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/run.ts';
import type { ValidationReport } from '../../../src/data/index.ts';
import { HEADER, listing, seriesRows, useTempDir, writeCsv } from '../../data/fixtures.ts';

const STEP = path.resolve(import.meta.dirname, '../../../steps/prepare.ts');
const tempDir = useTempDir();
let out = '';
let err = '';
let cwd = '';

/** A project folder with a config whose storage root is `lake` (no environments/, so --env local adds nothing). */
async function project(rows: string[]): Promise<string> {
  const dir = await tempDir();
  await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
  await writeFile(
    path.join(dir, 'config.yaml'),
    [
      'dataset: { path: data.csv, partitionBy: [Store, Brand], time: WeekStarting, target: Quantity, frequency: W, features: [Price, Advert] }',
      'forecast: { horizon: 4, holdout: 4 }',
      'engine: { maxFailedShare: 0.5 }',
      'storage: { kind: local, root: lake }',
    ].join('\n'),
  );
  process.chdir(dir);
  return dir;
}

beforeEach(() => {
  cwd = process.cwd();
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
  process.chdir(cwd);
});

describe('mm prepare', () => {
  it("writes the prepared lake under the storage root and prints the report's summary", async () => {
    const dir = await project([...seriesRows('1', 'a', 20), ...seriesRows('2', 'b', 20).slice(0, 5)]);
    const code = await runCli(['prepare', '--config', 'config.yaml']);

    expect(code).toBe(0);
    expect(listing(path.join(dir, 'lake', 'prepared'))).toEqual([
      'bucket=000',
      'bucket=000/part.parquet',
      'catalog.parquet',
      'meta.json',
      'validation.json',
    ]);
    expect(out).toContain('validation passed');
    expect(out).toContain('25 rows, 2 partitions: 1 ok, 1 excluded (50.0 %; allowed 50.0 %)');
    expect(out).toContain(
      '  - partition Store="2", Brand="b": 5 period(s) from 2024-01-01 to 2024-01-29; needs at least 12',
    );
    expect(out).toContain(`prepared 20 rows of 1 partitions into ${path.join(dir, 'lake', 'prepared')}`);
    const report = JSON.parse(
      await readFile(path.join(dir, 'lake', 'prepared', 'validation.json'), 'utf8'),
    ) as ValidationReport;
    expect(report.excluded).toHaveLength(1);
  });

  it('exits 2 with the located problems on bad data, writes the report it was asked for and no lake', async () => {
    const rows = seriesRows('1', 'a', 20);
    rows[3] = rows[3]!.replace(/,\d+,(\d),/, ',lots,$1,');
    const dir = await project(rows);
    const code = await runCli([
      'prepare',
      '--config',
      'config.yaml',
      '--out',
      'out/prepared',
      '--report',
      'report.json',
    ]);

    expect(code).toBe(2);
    expect(err).toContain('mm: dataset');
    expect(err).toContain("column 'Quantity' has 1 non-numeric value(s), e.g. row 4 (line 5): 'lots'");
    expect(listing(dir)).toEqual(['config.yaml', 'data.csv', 'report.json']);
  });

  it('on bad data after a good prepare, writes the failure report beside the kept lake and names it', async () => {
    const dir = await project(seriesRows('1', 'a', 20));
    expect(await runCli(['prepare', '--config', 'config.yaml'])).toBe(0);
    const rows = seriesRows('1', 'a', 20);
    rows[3] = rows[3]!.replace(/,\d+,(\d),/, ',lots,$1,');
    await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
    err = '';

    expect(await runCli(['prepare', '--config', 'config.yaml'])).toBe(2);
    const failed = path.join(dir, 'lake', 'prepared.failed-validation.json');
    expect(err).toContain(`validation report: ${failed}`);
    const report = JSON.parse(await readFile(failed, 'utf8')) as ValidationReport;
    expect(report.passed).toBe(false);
    expect(report.failure).toContain('failed validation');
    expect(JSON.stringify(report.datasetProblems)).toContain("column 'Quantity' has 1 non-numeric value(s)");
    const kept = JSON.parse(await readFile(path.join(dir, 'lake', 'prepared', 'validation.json'), 'utf8'));
    expect(kept.passed).toBe(true);

    await writeCsv(path.join(dir, 'data.csv'), HEADER, seriesRows('1', 'a', 20));
    expect(await runCli(['prepare', '--config', 'config.yaml'])).toBe(0);
    expect(listing(path.join(dir, 'lake')).filter((e) => e.includes('failed'))).toEqual([]);
  });

  it('runs as a pipeline step with the same exit codes', async () => {
    const dir = await project(seriesRows('1', 'a', 20));
    await writeFile(path.join(dir, 'config.yaml'), 'dataset: { path: missing.csv }\n');
    const result = await promisify(execFile)(process.execPath, [STEP, '--config', 'config.yaml'], {
      cwd: dir,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid configuration in config.yaml');
  });
});
