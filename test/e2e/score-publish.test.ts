// Scoring publishes a run's predictions once it is complete, and concurrent scoring runs take turns at the
// warehouse: real `mm score` processes, run together, held off the warehouse, and failing.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMmProject, type MmProject, weeklySalesConfig } from '../support/mm-project.ts';

let project: string;
const root = () => path.join(project, 'lake', 'datasets', 'sales');
const predictions = () => path.join(root(), 'predictions');
const warehouse = () => path.join(root(), 'warehouse.duckdb');

let mmProject: MmProject;
const mm = (...args: string[]) => mmProject.mm(...args);
const ok = (...args: string[]) => mmProject.mmOk(...args);

const score = (run: string) => mm('score', '--config', 'configs/sales.yaml', '--run', run);

async function warehouseRuns(): Promise<Map<string, number>> {
  const db = await DuckDBInstance.create(warehouse(), { access_mode: 'READ_ONLY' });
  const connection = await db.connect();
  try {
    const rows = (
      await connection.runAndReadAll('SELECT run_id, count(*) AS n FROM predictions GROUP BY run_id')
    ).getRowObjectsJS();
    return new Map(rows.map((r) => [String(r.run_id), Number(r.n)]));
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

const published = () => (existsSync(predictions()) ? readdirSync(predictions()).sort() : []);
const staged = () => {
  const dir = `${predictions()}.staging`;
  return existsSync(dir) ? readdirSync(dir) : [];
};

beforeAll(async () => {
  mmProject = createMmProject('score-publish');
  project = mmProject.dir;
  mmProject.write(
    'configs/sales.yaml',
    weeklySalesConfig({
      horizon: 4,
      holdout: 8,
      candidates: '[naive, mean]',
      features: [],
      extra: ['promotion: { minHistory: 0, mustBeatBaseline: false }'],
    }),
  );
  await mmProject.generateSales({ partitions: 3, periods: 60, seed: 8 });
  await ok('prepare', '--config', 'configs/sales.yaml');
  await ok('train', '--config', 'configs/sales.yaml', '--run', 't1');
  await ok('evaluate-and-promote', '--config', 'configs/sales.yaml', '--run', 't1');
}, 240_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('mm score publishing', () => {
  it('given three scoring runs started at once, all succeed and the warehouse holds each exactly once', async () => {
    const results = await Promise.all(['c1', 'c2', 'c3'].map(score));
    for (const r of results) expect(r.exitCode, r.all).toBe(0);
    const runs = await warehouseRuns();
    expect([...runs.keys()].sort()).toEqual(['c1', 'c2', 'c3']);
    expect(new Set(runs.values()).size).toBe(1);
    expect(published()).toEqual(['run_id=c1', 'run_id=c2', 'run_id=c3']);
    expect(staged()).toEqual([]);
  }, 180_000);

  it('given the warehouse held by another process, the run fails and leaves no Parquet in predictions/', async () => {
    const holder = await DuckDBInstance.create(warehouse());
    let result: Awaited<ReturnType<typeof score>>;
    try {
      result = await score('held');
    } finally {
      holder.closeSync();
    }
    expect(result.exitCode, result.all).not.toBe(0);
    expect(published()).not.toContain('run_id=held');
    expect(staged()).toEqual([]);
    expect((await warehouseRuns()).has('held')).toBe(false);
  }, 120_000);

  it('given prod models that cannot be read, the failed run publishes nothing and says where its rows are', async () => {
    // The registry keeps its versions in packs (src/registry/local-layout.ts): tear every record there.
    const packs = path.join(root(), 'registry', 'prod', 'packs');
    for (const file of readdirSync(packs).filter((f) => f.endsWith('.jsonl'))) {
      writeFileSync(path.join(packs, file), '{"torn":');
    }
    const result = await score('broken');
    expect(result.exitCode, result.all).toBe(1);
    const failed = path.join(`${predictions()}.failed`, 'run_id=broken', 'predictions.parquet');
    expect(result.all).toContain(`nothing was published to ${predictions()}`);
    expect(result.all).toContain(failed);
    expect(existsSync(failed)).toBe(true);
    expect(published()).not.toContain('run_id=broken');
    expect((await warehouseRuns()).has('broken')).toBe(false);
  }, 120_000);
});
