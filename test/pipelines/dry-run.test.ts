// The ML pipeline, run locally: the commands ml.yml runs in a scheduled run, read from the YAML itself, in stage
// order, with the environment rewritten to `local` and a small generated dataset. It checks what each stage
// leaves behind: the run manifest, decisions.json (and its published copy and summary), the predictions Parquet.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../src/engine/manifest.ts';
import type { DecisionsFile } from '../../src/promotion/decision-record.ts';
import { PREDICTION_COLUMNS } from '../../src/scoring/types.ts';
import { executedSteps } from './execution.ts';
import { expandPipeline, pipelinesDir, repoRoot } from './expand.ts';

const RUN_ID = 'dryrun-1';
const PARTITIONS = 12;
const HORIZON = 4;

let project: string;
const lake = () => path.join(project, 'lake', 'datasets', 'dry-run');

/** The pipeline's variables as a local run sets them. */
const macros = (): Record<string, string> => ({
  datasetConfig: 'configs/dry-run.yaml',
  // Both stacks' environment files are the one local environment here.
  devEnvironment: 'local',
  prodEnvironment: 'local',
  runId: RUN_ID,
  'Build.ArtifactStagingDirectory': path.join(project, 'artifacts'),
});

function localCommand(command: string): string[] {
  const values = macros();
  const expanded = command.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => values[name] ?? whole);
  if (expanded.includes('$(')) throw new Error(`no local value for a variable in: ${command}`);
  return expanded.split(/\s+/);
}

const ml = expandPipeline(path.join(pipelinesDir, 'ml.yml'));
const nodeCommands = (attempt: string) =>
  executedSteps(ml, { 'System.JobAttempt': attempt }).flatMap((s) =>
    // The policy-pack config only feeds `pulumi preview`, and the runtime image goes to a container registry: a
    // local run has no Azure to run either against (the image is built and run here by test/images instead).
    s.commands
      .filter(
        (c) =>
          c.startsWith('node ') &&
          !c.startsWith('node infra/scripts/') &&
          !c.startsWith('node .azure-pipelines/scripts/runtime-image.ts'),
      )
      .map((command) => ({ stage: s.stage, command })),
  );
const commands = nodeCommands('1');
const readJson = <T>(...parts: string[]) => JSON.parse(readFileSync(path.join(...parts), 'utf8')) as T;

async function run(argv: string[]) {
  const [, script, ...args] = argv;
  const result = await execa(process.execPath, [script!, ...args], {
    cwd: project,
    reject: false,
    all: true,
    env: { MM_DEBUG: '1' },
  });
  return result;
}

beforeAll(async () => {
  // A project folder like the agent's checkout, whose environments/local.yaml keeps the lake in a temp folder.
  project = mkdtempSync(path.join(tmpdir(), 'mm-dry-run-'));
  for (const entry of ['steps', 'src', 'node_modules', '.azure-pipelines', 'package.json']) {
    symlinkSync(path.join(repoRoot, entry), path.join(project, entry));
  }
  mkdirSync(path.join(project, 'environments'));
  mkdirSync(path.join(project, 'configs'));
  writeFileSync(
    path.join(project, 'environments', 'local.yaml'),
    'storage:\n  kind: local\n  root: lake\nregistry:\n  kind: local\n',
  );
  writeFileSync(
    path.join(project, 'configs', 'dry-run.yaml'),
    [
      'dataset:',
      '  path: ../raw/sales.parquet',
      '  partitionBy: [Store, Brand]',
      '  time: WeekStarting',
      '  target: Quantity',
      '  frequency: W',
      '  features: [Price, Advert]',
      'forecast:',
      `  horizon: ${HORIZON}`,
      '  holdout: 8',
      'engine:',
      '  workers: 1',
      '  maxFailedShare: 0.5',
      '',
    ].join('\n'),
  );
  const generated = await run([
    'node',
    'steps/generate.ts',
    '--partitions',
    String(PARTITIONS),
    '--periods',
    '104',
    '--frequency',
    'W',
    '--seed',
    '11',
    '--out',
    'raw/sales.parquet',
  ]);
  expect(generated.exitCode, generated.all).toBe(0);
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the ML pipeline run locally, stage by stage, with the commands in ml.yml', () => {
  it('reads one command per stage (and the decisions publisher) from the YAML', () => {
    expect(commands.map((c) => c.stage)).toEqual([
      'Prepare',
      'Train',
      'EvaluateAndPromote',
      'EvaluateAndPromote',
      'VerifyProd',
      'Score',
    ]);
  });

  it('runs every stage to success, in order', async () => {
    for (const { stage, command } of commands) {
      const result = await run(localCommand(command));
      expect(result.exitCode, `${stage}: ${command}\n${result.all}`).toBe(0);
    }
  }, 300_000);

  it('Train leaves the run manifest of the run the pipeline named', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(lake(), 'runs', RUN_ID, 'manifest.json'), 'utf8'),
    ) as RunManifest;
    expect(manifest.runId).toBe(RUN_ID);
    expect(manifest.partitionBy).toEqual(['Store', 'Brand']);
    expect(manifest.totals.ok + manifest.totals.failed + manifest.totals.skipped).toBe(
      manifest.partitions.length,
    );
    expect(manifest.totals.ok).toBeGreaterThanOrEqual(PARTITIONS / 2);
  });

  it('EvaluateAndPromote decides every partition; with no champion yet, nothing keeps one', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(lake(), 'runs', RUN_ID, 'manifest.json'), 'utf8'),
    ) as RunManifest;
    const file = JSON.parse(
      readFileSync(path.join(lake(), 'runs', RUN_ID, 'decisions.json'), 'utf8'),
    ) as DecisionsFile;
    expect(file.runId).toBe(RUN_ID);
    expect(file.dryRun).toBe(false);
    expect(file.decisions.map((d) => d.name).sort()).toEqual(manifest.partitions.map((p) => p.name).sort());
    for (const p of manifest.partitions) {
      const d = file.decisions.find((x) => x.name === p.name)!;
      expect(d.outcome, p.name).toMatch(p.status === 'ok' ? /^promote(-baseline)?$/ : /^not-trained$/);
    }
    expect(file.totals['keep-champion']).toBe(0);
  });

  it('publishes decisions.json unchanged and a summary with the same counts', () => {
    const published = path.join(project, 'artifacts', 'decisions');
    const source = readFileSync(path.join(lake(), 'runs', RUN_ID, 'decisions.json'), 'utf8');
    expect(readFileSync(path.join(published, 'decisions.json'), 'utf8')).toBe(source);
    const file = JSON.parse(source) as DecisionsFile;
    const summary = readFileSync(path.join(published, 'summary.md'), 'utf8');
    expect(summary).toContain(`### Promotion decisions of run ${RUN_ID}`);
    expect(summary).toContain(`| promoted | ${file.totals.promote} |`);
    expect(summary).toContain(`| not trained | ${file.totals['not-trained']} |`);
  });

  it('Score writes the predictions Parquet: every promoted partition forecast over the horizon', async () => {
    const dir = path.join(lake(), 'predictions');
    expect(existsSync(dir)).toBe(true);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => path.join(dir, f));
    expect(files.length).toBeGreaterThan(0);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
      const columns = (
        await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet([${list}], hive_partitioning = false)`)
      )
        .getRowObjectsJS()
        .map((r) => String(r.column_name));
      expect(columns).toEqual(
        expect.arrayContaining(['Store', 'Brand', 'WeekStarting', ...PREDICTION_COLUMNS]),
      );
      const rows = (
        await conn.runAndReadAll(
          `SELECT Store, Brand, count(*) FILTER (WHERE status = 'ok') AS ok_rows,
                  bool_and(forecast IS NULL OR (isfinite(forecast) AND forecast >= 0)) AS sane,
                  min(run_id) AS run_id
           FROM read_parquet([${list}], hive_partitioning = false) GROUP BY ALL`,
        )
      ).getRowObjectsJS();
      const decisions = JSON.parse(
        readFileSync(path.join(lake(), 'runs', RUN_ID, 'decisions.json'), 'utf8'),
      ) as DecisionsFile;
      const promoted = decisions.decisions.filter(
        (d) => d.outcome === 'promote' || d.outcome === 'promote-baseline',
      );
      expect(rows.length).toBeGreaterThanOrEqual(promoted.length);
      for (const d of promoted) {
        const row = rows.find((r) => r.Store === d.key[0] && r.Brand === d.key[1]);
        expect(row, d.name).toBeDefined();
        expect(Number(row!.ok_rows), d.name).toBe(HORIZON);
        expect(row!.sane, d.name).toBe(true);
        expect(row!.run_id).toBe(RUN_ID);
      }
    } finally {
      conn.closeSync();
    }
  });
  it('a rerun of failed jobs resumes the same run: Train retrains nothing, promotion registers nothing twice', async () => {
    const before = readJson<RunManifest>(lake(), 'runs', RUN_ID, 'manifest.json');
    const decided = readJson<DecisionsFile>(lake(), 'runs', RUN_ID, 'decisions.json');
    const rerun = nodeCommands('2').filter((c) => c.stage === 'Train' || c.stage === 'EvaluateAndPromote');
    expect(rerun[0]!.command).toMatch(/ --resume$/);
    for (const { stage, command } of rerun) {
      const result = await run(localCommand(command));
      expect(result.exitCode, `${stage}: ${command}\n${result.all}`).toBe(0);
    }
    const after = readJson<RunManifest>(lake(), 'runs', RUN_ID, 'manifest.json');
    expect(after.partitions.map((p) => [p.name, p.status, p.chosen])).toEqual(
      before.partitions.map((p) => [p.name, p.status, p.chosen]),
    );
    const again = readJson<DecisionsFile>(lake(), 'runs', RUN_ID, 'decisions.json');
    expect(again.decisions.map((d) => [d.name, d.outcome, d.prodVersion])).toEqual(
      decided.decisions.map((d) => [d.name, d.outcome, d.prodVersion]),
    );
  }, 300_000);
});
