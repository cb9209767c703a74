// The local many-models system end to end, through the `mm` CLI as a user runs it: generate, prepare, train,
// evaluate-and-promote, score; then a degraded second training run that must not replace any champion.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { promotionSchema } from '../../src/config/schema.ts';
import { listPartitions } from '../../src/data/index.ts';
import type { RunManifest } from '../../src/engine/manifest.ts';
import type { DecisionsFile } from '../../src/promotion/decision-record.ts';
import { verifyPromotionTags } from '../../src/promotion/tags.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import type { ModelVersion } from '../../src/registry/types.ts';
import { lakeLayout } from '../../src/storage/layout.ts';

const repo = path.resolve(import.meta.dirname, '../..');
let project: string;
const lake = () => lakeLayout(path.join(project, 'lake'));

async function mm(...args: string[]) {
  const result = await execa(process.execPath, [path.join(repo, 'src/cli/main.ts'), ...args], {
    cwd: project,
    reject: false,
    all: true,
    env: { CI: 'true' },
  });
  expect(result.exitCode, `mm ${args.join(' ')}\n${result.all}`).toBe(0);
  return result;
}

const config = (candidates?: string) =>
  [
    'dataset:',
    '  path: ../raw/sales.parquet',
    '  partitionBy: [Store, Brand]',
    '  time: WeekStarting',
    '  target: Quantity',
    '  frequency: W',
    '  features: [Price, Advert]',
    'forecast:',
    '  horizon: 6',
    '  holdout: 8',
    ...(candidates ? [`  candidates: ${candidates}`] : []),
    'engine:',
    '  workers: 1',
    '  maxFailedShare: 0.5',
    '',
  ].join('\n');

async function prodLatest(): Promise<Map<string, ModelVersion>> {
  const prod = new LocalModelRegistry({ root: lake().root, stage: 'prod' });
  const out = new Map<string, ModelVersion>();
  for await (const version of prod.list()) out.set(version.name, version);
  return out;
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('the local pipeline, end to end through mm', () => {
  beforeAll(async () => {
    project = mkdtempSync(path.join(tmpdir(), 'mm-e2e-'));
    symlinkSync(path.join(repo, 'node_modules'), path.join(project, 'node_modules'));
    mkdirSync(path.join(project, 'environments'));
    mkdirSync(path.join(project, 'configs'));
    writeFileSync(path.join(project, 'environments/local.yaml'), 'storage:\n  kind: local\n  root: lake\n');
    writeFileSync(path.join(project, 'configs/full.yaml'), config());
    // A degraded training run: only the naive model is allowed.
    writeFileSync(path.join(project, 'configs/degraded.yaml'), config('[naive]'));
    await mm(
      'generate',
      '--partitions',
      '30',
      '--periods',
      '104',
      '--seed',
      '5',
      '--out',
      'raw/sales.parquet',
      '--future',
      '6',
    );
    await mm('prepare', '--config', 'configs/full.yaml');
    await mm('train', '--config', 'configs/full.yaml', '--run', 'first');
    await mm('evaluate-and-promote', '--config', 'configs/full.yaml', '--run', 'first');
    await mm(
      'score',
      '--config',
      'configs/full.yaml',
      '--run',
      'score-1',
      '--future',
      'raw/sales.future.parquet',
    );
  }, 240_000);

  it('gives every partition a status in the manifest and a decision', async () => {
    const catalog = await listPartitions(lake().prepared);
    const manifest = readJson<RunManifest>(path.join(lake().run('first'), 'manifest.json'));
    const decisions = readJson<DecisionsFile>(lake().decisions('first'));
    expect(manifest.partitions.map((p) => p.name)).toEqual(catalog.map((p) => p.name));
    expect(decisions.decisions.map((d) => d.name).sort()).toEqual(catalog.map((p) => p.name));
    expect(manifest.totals.ok).toBeGreaterThan(20);
  });

  it('puts in prod exactly the partitions the rules promote (or fall back), each provably allowed by its tags', async () => {
    const decisions = readJson<DecisionsFile>(lake().decisions('first'));
    const promoted = decisions.decisions
      .filter((d) => d.outcome === 'promote' || d.outcome === 'promote-fallback')
      .map((d) => d.name)
      .sort();
    const prod = await prodLatest();
    expect([...prod.keys()].sort()).toEqual(promoted);
    const rules = promotionSchema.parse({});
    for (const version of prod.values()) {
      expect(verifyPromotionTags(version.tags, rules).violations, version.name).toEqual([]);
    }
  });

  it('forecasts the horizon for every promoted partition, with the planned covariates', async () => {
    const prod = await prodLatest();
    const file = path.join(lake().predictions, 'run_id=score-1', 'predictions.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT model_name, count(forecast) AS n, bool_or(used_fallback) AS fallback, max(model_version) AS v
           FROM read_parquet('${file}') WHERE status = 'ok' GROUP BY model_name`,
      )
    ).getRowObjectsJS();
    connection.closeSync();
    db.closeSync();
    expect(rows.map((r) => r.model_name).sort()).toEqual([...prod.keys()].sort());
    for (const row of rows) {
      expect(Number(row.n)).toBe(6);
      expect(row.fallback).toBe(false);
      expect(row.v).toBe(prod.get(String(row.model_name))!.version);
    }
  });

  it('keeps every champion when a degraded second run is evaluated', async () => {
    const before = await prodLatest();
    await mm('train', '--config', 'configs/degraded.yaml', '--run', 'degraded');
    await mm('evaluate-and-promote', '--config', 'configs/degraded.yaml', '--run', 'degraded');
    const after = await prodLatest();
    const decisions = readJson<DecisionsFile>(lake().decisions('degraded'));
    let kept = 0;
    for (const [name, champion] of before) {
      if (champion.tags['mm.kind'] === 'naive') continue; // a naive champion may be refreshed by a naive run
      expect(after.get(name)?.version, name).toBe(champion.version);
      expect(decisions.decisions.find((d) => d.name === name)?.outcome).toBe('keep-champion');
      kept++;
    }
    expect(kept).toBeGreaterThan(10);
  });
});
