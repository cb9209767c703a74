import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureBlobStore } from '../../../src/storage/azure-blob-store.ts';
import { startTwin, type Twin } from '../../../twin/index.ts';
import { createCheckout } from '../../../twin/rehearsal/checkout.ts';
import { twinCredential } from '../../../twin/storage/lakes.ts';

// Issue 13 defect 4, run as Azure would run it: the EvaluateAndPromote step signed in as the prod `promotion`
// identity against the twin's lakes and workspaces, whose role checks come from infra/access-plan.ts. The run it
// promotes was trained in dev (here: trained locally, then published to the dev lake as dev's identities).
const repo = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
const RUN = 'r-promo';
const CONFIG = [
  'dataset:',
  '  path: ../.mm/local/raw/demo.parquet',
  '  partitionBy: [Store, Brand]',
  '  time: WeekStarting',
  '  target: Quantity',
  '  frequency: W',
  '  features: [Price, Advert]',
  'forecast:',
  '  horizon: 4',
  '  holdout: 4',
  '  candidates: [naive, seasonal_naive]',
  'engine:',
  '  workers: 1',
  '',
].join('\n');

let twin: Twin;
let work: string;

const node = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env },
    timeout: 240_000,
  });

async function promoteAs(env: 'dev' | 'prod'): Promise<{ code: number; output: string }> {
  const checkout = createCheckout({
    repo,
    dir: path.join(work, `agent-promote-${env}`),
    estate: twin.estate,
    configs: { 'demo.yaml': CONFIG },
  });
  const identity = twin.environmentFor([twin.estate.principal('prod/promotion')], `promote-${env}`);
  try {
    const { stdout, stderr } = await node(
      checkout,
      ['steps/evaluate-and-promote.ts', '--config', 'configs/demo.yaml', '--env', env, '--run', RUN],
      identity,
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

beforeAll(async () => {
  twin = await startTwin({ appRoot: repo });
  work = mkdtempSync(path.join(tmpdir(), 'mm-promotion-lakes-'));
  const trainer = createCheckout({
    repo,
    dir: path.join(work, 'agent-train'),
    estate: twin.estate,
    configs: { 'demo.yaml': CONFIG },
  });
  writeFileSync(path.join(trainer, 'environments/local.yaml'), 'storage:\n  kind: local\n  root: lake\n');
  mkdirSync(path.join(trainer, '.mm/local/raw'), { recursive: true });
  await node(trainer, [
    'steps/generate.ts',
    '--partitions',
    '4',
    '--periods',
    '60',
    '--out',
    '.mm/local/raw/demo.parquet',
  ]);
  await node(trainer, ['steps/prepare.ts', '--config', 'configs/demo.yaml', '--env', 'local']);
  await node(trainer, ['steps/train.ts', '--config', 'configs/demo.yaml', '--env', 'local', '--run', RUN]);
  const dev = (principal: string) =>
    new AzureBlobStore({
      accountUrl: twin.lakes.accountUrl('dev'),
      container: 'lake',
      credential: twinCredential(twin.issuer, twin.estate.principal(principal)),
      maxTries: 1,
    });
  // In the lake the demo's folders are below its own folder, as in the local root (src/lake/dataset-lake.ts).
  await dev('dev/dataprep').uploadDir(
    path.join(trainer, 'lake/datasets/demo/prepared'),
    'datasets/demo/prepared',
  );
  await dev('dev/training').uploadDir(
    path.join(trainer, `lake/datasets/demo/runs/${RUN}`),
    `datasets/demo/runs/${RUN}`,
  );
}, 600_000);

afterAll(async () => {
  await twin?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('EvaluateAndPromote as the prod promotion identity', () => {
  it('with the old single `--env dev`, is refused (403) publishing the decisions to the dev lake', async () => {
    const before = twin.lakes.proxy.log.length;
    const result = await promoteAs('dev');
    expect(result.code, result.output).not.toBe(0);
    const refused = twin.lakes.proxy.log
      .slice(before)
      .filter((c) => c.status === 403 && c.principal === 'prod/promotion');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((c) => c.account === twin.estate.names.dev.lake && c.method === 'PUT')).toBe(true);
  }, 300_000);

  it('with `--env prod`, reads the run from the dev lake and publishes it and prepared/ to the prod lake', async () => {
    const before = twin.lakes.proxy.log.length;
    const result = await promoteAs('prod');
    expect(result.code, result.output).toBe(0);
    const calls = twin.lakes.proxy.log.slice(before).filter((c) => c.principal === 'prod/promotion');
    expect(calls.filter((c) => c.status === 403)).toEqual([]);
    const wrote = new Set(calls.filter((c) => c.method === 'PUT').map((c) => c.account));
    expect([...wrote]).toEqual([twin.estate.names.prod.lake]);
    const prod = new AzureBlobStore({
      accountUrl: twin.lakes.accountUrl('prod'),
      container: 'lake',
      credential: twinCredential(twin.issuer, twin.estate.principal('prod/scoring')),
      maxTries: 1,
    });
    // What the Score stage (prod/scoring) reads next is now in prod.
    expect(await prod.get(`datasets/demo/runs/${RUN}/decisions.json`)).toBeDefined();
    expect(await prod.get('datasets/demo/prepared/meta.json')).toBeDefined();
  }, 300_000);
});
