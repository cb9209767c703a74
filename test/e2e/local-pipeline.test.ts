// The local many-models system end to end, through the `mm` CLI as a user runs it: generate, prepare, train,
// evaluate-and-promote, score; then a degraded second training run that must not replace any champion.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { promotionSchema } from '../../src/config/schema.ts';
import { listPartitions } from '../../src/data/index.ts';
import type { RunManifest } from '../../src/engine/manifest.ts';
import type { DecisionsFile } from '../../src/promotion/decision-record.ts';
import { verifyPromotionTags } from '../../src/promotion/tags.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import type { ModelVersion } from '../../src/registry/types.ts';
import { createMmProject, type MmProject, weeklySalesConfig } from '../support/mm-project.ts';

let project: MmProject;
const lake = () => project.lake();
const mm = (...args: string[]) => project.mmOk(...args);
const config = (candidates?: string) =>
  weeklySalesConfig({ path: '../raw/sales.parquet', horizon: 6, holdout: 8, candidates });

async function prodLatest(): Promise<Map<string, ModelVersion>> {
  const prod = new LocalModelRegistry({ root: lake().root, stage: 'prod' });
  const out = new Map<string, ModelVersion>();
  for await (const version of prod.list()) out.set(version.name, version);
  return out;
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('the local pipeline, end to end through mm', () => {
  beforeAll(async () => {
    project = createMmProject('e2e');
    project.write('configs/full.yaml', config());
    // A degraded training run: only the naive model is allowed.
    project.write('configs/degraded.yaml', config('[naive]'));
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
      .filter((d) => d.outcome === 'promote' || d.outcome === 'promote-baseline')
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
        `SELECT model_name, count(forecast) AS n, bool_or(used_fallback) AS fallback, max(model_version) AS v,
                list(horizon_step ORDER BY WeekStarting) AS steps, list(DISTINCT training_run_id) AS trained_by,
                list(DISTINCT baseline_model) AS baseline
           FROM read_parquet('${file}') WHERE status = 'ok' GROUP BY model_name`,
      )
    ).getRowObjectsJS();
    connection.closeSync();
    db.closeSync();
    expect(rows.map((r) => r.model_name).sort()).toEqual([...prod.keys()].sort());
    const outcomes = new Map(
      readJson<DecisionsFile>(lake().decisions('first')).decisions.map((d) => [d.name, d.outcome]),
    );
    for (const row of rows) {
      expect(Number(row.n)).toBe(6);
      expect(row.fallback).toBe(false);
      expect(row.v).toBe(prod.get(String(row.model_name))!.version);
      // Which period of the horizon, which training run made the model, and whether it is the baseline stand-in.
      expect(row.steps).toEqual([1, 2, 3, 4, 5, 6]);
      expect(row.trained_by).toEqual(['first']);
      expect(row.baseline).toEqual([outcomes.get(String(row.model_name)) === 'promote-baseline']);
    }
    expect(rows.some((r) => (r.baseline as boolean[])[0])).toBe(
      [...outcomes.values()].includes('promote-baseline'),
    );
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
