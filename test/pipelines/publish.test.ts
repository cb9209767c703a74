import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPublish } from '../../.azure-pipelines/scripts/publish.ts';
import { repoRoot } from './expand.ts';
import { decision, decisionsFile } from './fixtures.ts';

// A project folder as the agent has it: environments/local.yaml, a dataset config, and a lake whose run folder
// holds the decisions evaluate-and-promote wrote.
let project: string;
const RUN = 'ado-1042';
const file = decisionsFile([
  decision('s1', 'promote'),
  decision('s2', 'keep-champion'),
  decision('s3', 'not-trained'),
]);
const written = `${JSON.stringify(file, null, 2)}\n`;

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), 'mm-publish-'));
  mkdirSync(path.join(project, 'environments'));
  mkdirSync(path.join(project, 'configs'));
  writeFileSync(path.join(project, 'environments', 'local.yaml'), 'storage:\n  kind: local\n  root: lake\n');
  writeFileSync(
    path.join(project, 'configs', 'demo.yaml'),
    'dataset:\n  path: ../raw/demo.parquet\n  partitionBy: [Store, Brand]\n  time: WeekStarting\n  target: Quantity\n' +
      '  frequency: W\nforecast:\n  horizon: 8\n  holdout: 8\n',
  );
  mkdirSync(path.join(project, 'lake', 'datasets', 'demo', 'runs', RUN), { recursive: true });
  writeFileSync(path.join(project, 'lake', 'datasets', 'demo', 'runs', RUN, 'decisions.json'), written);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

async function publish(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPublish(args, {
    cwd: project,
    env,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const args = (run = RUN, outDir = 'artifacts/decisions') => [
  '--config',
  'configs/demo.yaml',
  '--env',
  'local',
  '--run',
  run,
  '--out',
  outDir,
];

describe('publish-decisions', () => {
  it('copies decisions.json and writes the summary into the artifact folder', async () => {
    const result = await publish(args());
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(
      `decisions of run ${RUN}: 1 promoted, 1 champion kept, 0 baseline stand-in, 1 not trained`,
    );
    expect(readFileSync(path.join(project, 'artifacts/decisions/decisions.json'), 'utf8')).toBe(written);
    const summary = readFileSync(path.join(project, 'artifacts/decisions/summary.md'), 'utf8');
    expect(summary).toContain(`### Promotion decisions of run ${RUN}`);
    expect(summary).toContain('| promoted | 1 | 33.3 % |');
    expect(result.out).not.toContain('##vso');
  });

  it('on an Azure DevOps agent attaches the summary to the run', async () => {
    const result = await publish(args(RUN, 'agent-out'), { TF_BUILD: 'True' });
    expect(result.out.split('\n').at(-1)).toBe(
      `##vso[task.uploadsummary]${path.join(project, 'agent-out', 'summary.md')}`,
    );
  });

  it('fails with exit code 2 and says where it looked when the run has no decisions', async () => {
    const result = await publish(args('ado-9999', 'none'));
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `publish-decisions: no decisions for run 'ado-9999' at ${path.join(project, 'lake/datasets/demo/runs/ado-9999/decisions.json')}: ` +
        'evaluate-and-promote writes them there (a --dry-run writes none)',
    );
  });

  it('refuses a run id that could leave the runs folder', async () => {
    const result = await publish(args('../../etc', 'none'));
    expect(result.code).toBe(2);
    expect(result.err).toContain("--run '../../etc' is not a run id");
  });

  it('names the missing options', async () => {
    const result = await publish(['--config', 'configs/demo.yaml']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^publish-decisions: missing --run, --out\nusage: /);
  });

  it('reports a broken configuration as bad input', async () => {
    const result = await publish(['--config', 'configs/missing.yaml', '--run', RUN, '--out', 'x']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('configs/missing.yaml');
    expect(result.err).toContain('file not found');
  });

  it('leaves nothing behind when the decisions file is broken', async () => {
    const broken = 'ado-broken';
    mkdirSync(path.join(project, 'lake', 'datasets', 'demo', 'runs', broken));
    writeFileSync(
      path.join(project, 'lake', 'datasets', 'demo', 'runs', broken, 'decisions.json'),
      '{"schemaVersion": 1',
    );
    const result = await publish(args(broken, 'broken-out'));
    expect(result.code).toBe(2);
    expect(result.err).toContain('is not valid JSON');
    expect(() => readFileSync(path.join(project, 'broken-out', 'summary.md'))).toThrow(/ENOENT/);
  });

  it('runs as the pipeline runs it: node .azure-pipelines/scripts/publish-decisions.ts', async () => {
    const script = path.join(repoRoot, '.azure-pipelines/scripts/publish-decisions.ts');
    const run = await execa(process.execPath, [script, ...args(RUN, 'from-node')], {
      cwd: project,
      reject: false,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'from-node', 'decisions.json'), 'utf8')).toBe(written);
  });
});
