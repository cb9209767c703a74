import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import { writeReport } from '../../src/report/write.ts';
import {
  HOSTILE_KEY,
  noiseSpecs,
  type RunFixture,
  removeTempRoots,
  signalSpecs,
  tempRoot,
  writePredictions,
  writePrepared,
  writeRun,
} from './fixtures.ts';

describe('writeReport', () => {
  let run: RunFixture;
  let html: string;
  let result: Awaited<ReturnType<typeof writeReport>>;

  beforeAll(async () => {
    const root = tempRoot();
    const specs = signalSpecs();
    run = writeRun(root, 'run-1', specs);
    await writePrepared(
      root,
      specs.map((s) => s.key),
    );
    await writePredictions(
      root,
      specs.map((s) => s.key),
    );
    result = await writeReport({ runDir: run.runDir, root });
    html = readFileSync(result.path, 'utf8');
  });

  it('writes reports/<runId>.html below the root, atomically (no temporary file left)', () => {
    expect(result.path).toBe(path.join(run.root, 'reports', 'run-1.html'));
    expect(readdirSync(path.join(run.root, 'reports'))).toEqual(['run-1.html']);
    expect(result.bytes).toBe(Buffer.byteLength(html));
    expect(result.charts).toBe(13);
  });

  it('is self-contained: inline SVG charts, no script, nothing fetched', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBe(13);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('shows the run summary numbers next to the baseline', () => {
    const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('many-models run run-1');
    expect(text).toContain('Partitions 9 7 ok · 1 failed · 1 skipped');
    expect(text).toContain('Median WAPE 0.120 baseline 0.250');
    expect(text).toContain('Beats baseline by ≥ 5 % 86 % by any margin: 86 %');
    expect(text).toContain('Promoted 5 of 9 decided');
    expect(text).toContain('Duration 2 min 5 s');
    expect(text).toContain(
      'The models beat the baseline (the better of naive and the historical mean): 86 % of partitions improve on it by at least 5 %',
    );
    expect(text).toContain('ValidationError: target has 3 negative values in S8/failed');
  });

  it('escapes a hostile partition key everywhere it appears', () => {
    expect(html).not.toContain(HOSTILE_KEY[0]);
    expect(html).toContain('Store=<bdi>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</bdi>');
    expect(html).toContain('Brand=<bdi>O&#39;Brien &amp; &quot;Sons&quot; \u202Eexe.txt 日本🚀</bdi>');
  });

  it('makes a noise run read as no better than the baseline', async () => {
    const root = tempRoot();
    const noise = writeRun(root, 'noise', noiseSpecs(12));
    const page = readFileSync((await writeReport({ runDir: noise.runDir, root })).path, 'utf8');
    expect(page).toContain(
      '<p class="verdict bad" id="verdict">Nothing beats the baseline (naive or historical mean) meaningfully',
    );
    expect(page).toContain('Beats baseline by ≥ 5 %</div><div class="value">0 %</div>');
  });

  it('writes to an explicit path, and refuses a run id that is not a file name', async () => {
    const root = tempRoot();
    const out = path.join(root, 'elsewhere', 'r.html');
    expect((await writeReport({ runDir: run.runDir, root, out })).path).toBe(out);
    const evil = writeRun(root, 'evil', signalSpecs(), { decisions: false });
    const manifest = JSON.parse(readFileSync(path.join(evil.runDir, 'manifest.json'), 'utf8'));
    writeFileSync(
      path.join(evil.runDir, 'manifest.json'),
      JSON.stringify({ ...manifest, runId: '../../etc/x' }),
    );
    await expect(writeReport({ runDir: evil.runDir, root })).rejects.toThrow(
      "runId '../../etc/x' cannot be used as a file name",
    );
    expect(existsSync(path.join(root, 'reports'))).toBe(false);
  });
});

describe('mm report', () => {
  let project: string;
  let stdout: string[];
  let stderr: string[];
  const cwd = process.cwd();

  beforeAll(() => {
    project = tempRoot('mm-report-cli-');
    mkdirSync(path.join(project, 'configs'));
    writeFileSync(
      path.join(project, 'configs', 'shop.yaml'),
      [
        'dataset:',
        '  path: data/sales.csv',
        '  partitionBy: [Store, Brand]',
        '  time: WeekStarting',
        '  target: Quantity',
        '  frequency: W',
        'forecast:',
        '  horizon: 8',
        '  holdout: 8',
        'storage:',
        '  kind: local',
        '  root: lake',
      ].join('\n'),
    );
    const root = path.join(project, 'lake');
    const older = writeRun(root, 'run-older', signalSpecs());
    writeRun(root, 'run-newer', noiseSpecs(6));
    const past = new Date('2024-01-01T00:00:00Z');
    utimesSync(path.join(older.runDir, 'manifest.json'), past, past);
    // A run that never finished has no manifest and is never picked.
    mkdirSync(path.join(root, 'runs', 'run-zz-unfinished'), { recursive: true });
  });

  const cli = async (...args: string[]) => {
    stdout = [];
    stderr = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    process.chdir(project);
    try {
      return await runCli(['report', '--config', 'configs/shop.yaml', ...args]);
    } finally {
      process.chdir(cwd);
      vi.restoreAllMocks();
    }
  };
  afterEach(() => process.chdir(cwd));

  it('reports on the newest run with a manifest and prints the path', async () => {
    expect(await cli()).toBe(0);
    expect(stdout).toEqual([`${path.join(project, 'lake', 'reports', 'run-newer.html')}\n`]);
    expect(existsSync(path.join(project, 'lake', 'reports', 'run-newer.html'))).toBe(true);
  });

  it('reports on a named run, into a chosen file', async () => {
    expect(await cli('--run', 'run-older', '--out', 'out/older.html', '--best', '1', '--worst', '0')).toBe(0);
    const file = path.join(project, 'out', 'older.html');
    expect(stdout).toEqual([`${file}\n`]);
    expect((readFileSync(file, 'utf8').match(/class="chart wide"/g) ?? []).length).toBe(1);
  });

  it('exits 2 with a clear message for an unknown run or a bad count', async () => {
    expect(await cli('--run', 'nope')).toBe(2);
    expect(stderr.join('')).toContain("run 'nope' has no manifest; newest runs: run-newer, run-older");
    expect(await cli('--run', '../x')).toBe(2);
    expect(stderr.join('')).toContain("'../x' is not a run id");
    expect(await cli('--best', 'many')).toBe(2);
    expect(stderr.join('')).toContain("--best must be a whole number from 0 to 50, got 'many'");
  });
});

afterAll(removeTempRoots);
