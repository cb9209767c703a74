import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/run.ts';
import { modelName } from '../../../src/core/model-name.ts';
import { LocalModelRegistry } from '../../../src/registry/local.ts';
import { FORECAST, type RunSpec, writeRun } from '../../promotion/fixtures.ts';

const STEP = path.resolve(import.meta.dirname, '../../../steps/evaluate-and-promote.ts');
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

let dir: string;
let lake: string;
let config: string;
let cwd: string;
let out: string;
let err: string;

const run = (runId: string, ridge: readonly number[] = FORECAST.fair): RunSpec => ({
  runId,
  partitions: [
    { key: ['1', 'a'], candidates: { seasonal_naive: FORECAST.bad, ridge }, chosen: 'ridge' },
    { key: ['2', 'b'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.awful }, chosen: 'ridge' },
    { key: ['3', 'c'], status: 'failed' },
  ],
});

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mm-cli-promote-'));
  lake = path.join(dir, 'lake');
  config = path.join(dir, 'config.yaml');
  // No environments/ folder in `dir`, so --env local adds nothing and the config's storage root holds.
  await writeFile(
    config,
    [
      'dataset: { path: data.csv, partitionBy: [Store, Brand], time: Week, target: Qty, frequency: W }',
      'forecast: { horizon: 4, holdout: 4 }',
      `storage: { kind: local, root: ${JSON.stringify(lake)} }`,
    ].join('\n'),
  );
  cwd = process.cwd();
  process.chdir(dir);
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
afterEach(async () => {
  vi.restoreAllMocks();
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('mm evaluate-and-promote', () => {
  it('promotes the newest run, prints the counts and where the decisions went, and exits 0', async () => {
    const older = await writeRun(lake, run('run-a'));
    const newer = await writeRun(lake, run('run-b'));
    await utimes(path.join(older, 'manifest.json'), new Date(2030, 0, 2), new Date(2030, 0, 2));
    await utimes(path.join(newer, 'manifest.json'), new Date(2030, 0, 3), new Date(2030, 0, 3));
    expect(await runCli(['evaluate-and-promote', '--config', config])).toBe(0);
    expect(out).toBe(
      'evaluate-and-promote: run run-b, rules v3, 3 partitions\n' +
        '  promote 1 | promote-baseline 1 | keep-champion 0 | not-trained 1\n' +
        '  registered 2 new prod version(s); 0 already in prod from this run\n' +
        `  decisions: ${path.join(newer, 'decisions.json')}\n`,
    );
    expect(await exists(path.join(older, 'decisions.json'))).toBe(false);
    const prod = new LocalModelRegistry({ root: lake, stage: 'prod' });
    expect((await prod.latest(modelName(['1', 'a'])))?.tags['mm.run.id']).toBe('run-b');
  });

  it('prints what would change in a dry run and writes nothing', async () => {
    const runDir = await writeRun(lake, run('run-1'));
    expect(await runCli(['evaluate-and-promote', '--config', config, '--run', 'run-1', '--dry-run'])).toBe(0);
    expect(out).toMatch(/^evaluate-and-promote \(dry run\): run run-1/);
    expect(out).toContain('would register 2 new prod version(s)');
    expect(out).toMatch(/promote {10}mm-1-a-[0-9a-f]{12} \[1, a\] ridge: wape 0\.0250 vs baseline 0\.1000/);
    expect(out).toMatch(/promote-baseline mm-2-b-[0-9a-f]{12} \[2, b\] baseline stand-in/);
    expect(out).toContain('dry run: nothing was registered or written');
    expect(await exists(path.join(runDir, 'decisions.json'))).toBe(false);
    expect(await exists(path.join(lake, 'registry', 'prod'))).toBe(false);
  });

  it('exits 0 when the gate keeps the champion, and a re-run registers nothing', async () => {
    await writeRun(lake, run('run-1'));
    await writeRun(lake, run('run-2', FORECAST.awful));
    expect(await runCli(['evaluate-and-promote', '--config', config, '--run', 'run-1'])).toBe(0);
    out = '';
    expect(await runCli(['evaluate-and-promote', '--config', config, '--run', 'run-2'])).toBe(0);
    expect(out).toContain('promote 0 | promote-baseline 0 | keep-champion 2 | not-trained 1');
    out = '';
    expect(await runCli(['evaluate-and-promote', '--config', config, '--run', 'run-1'])).toBe(0);
    expect(out).toContain('registered 0 new prod version(s); 2 already in prod from this run');
  });

  it('exits 2 with a located message for a missing or unsafe run and for bad artifacts', async () => {
    expect(await runCli(['evaluate-and-promote', '--config', config])).toBe(2);
    expect(err).toContain(`no trained run under ${path.join(lake, 'runs')}`);
    expect(await runCli(['evaluate-and-promote', '--config', config, '--run', '../etc'])).toBe(2);
    expect(err).toContain("--run '../etc' is not a run id");
    expect(await runCli(['evaluate-and-promote', '--config', config, '--run', 'run-9'])).toBe(2);
    expect(err).toContain("run 'run-9' has no manifest");

    const runDir = await writeRun(lake, run('run-1'));
    const artifact = path.join(runDir, 'artifacts', `${modelName(['1', 'a'])}.json`);
    await writeFile(
      artifact,
      (await readFile(artifact, 'utf8')).replace('"chosen":"ridge"', '"chosen":"magic"'),
    );
    expect(await runCli(['evaluate-and-promote', '--config', config, '--run', 'run-1'])).toBe(2);
    expect(err).toMatch(
      /mm: nothing was promoted: 1 partition\(s\) of run run-1 cannot be evaluated:\n {2}- artifact .* is malformed: chosen: /,
    );
    expect(await exists(path.join(lake, 'registry', 'prod'))).toBe(false);
  });

  it('runs as the pipeline step script, reporting progress as JSON lines on stderr in CI', async () => {
    await writeRun(lake, run('run-1'));
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [STEP, '--config', config, '--run', 'run-1'],
      { cwd: dir, env: { ...process.env, CI: '1' } },
    );
    expect(stdout).toContain('promote 1 | promote-baseline 1 | keep-champion 0 | not-trained 1');
    const done = stderr.split('\n').filter((line) => line.includes('"event":"done"'));
    expect(JSON.parse(done[0] ?? '{}')).toMatchObject({ stage: 'evaluate-and-promote', done: 3, total: 3 });
  });
});
