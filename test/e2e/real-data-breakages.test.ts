// What broke when the pipeline met real retail data, checked through `mm` as a user runs it: a missing week inside
// the holdout, a price plan that misses some horizon weeks, and a horizon far longer than anything measured.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryOnce } from '../../src/data/duckdb.ts';
import type { DecisionsFile } from '../../src/promotion/decision-record.ts';
import { createMmProject, type MmProject, weeklySalesConfig } from '../support/mm-project.ts';

let project: MmProject;
const lake = () => project.lake();
const mm = (...args: string[]) => project.mm(...args);
const mmOk = (...args: string[]) => project.mmOk(...args);

const config = (horizon: number, holdout = 8) =>
  weeklySalesConfig({ path: '../raw/sales.csv', horizon, holdout, maxFailedShare: 0.2 });

describe('given weekly data with 5 % of the weeks missing and a price plan for the next 8 weeks', () => {
  beforeAll(async () => {
    project = createMmProject('breakages');
    project.write('configs/gaps.yaml', config(8));
    project.write('configs/far.yaml', config(60));
    project.write('configs/absurd.yaml', config(500));
    await mmOk(
      'generate',
      ...['--partitions', '12', '--periods', '80', '--seed', '11', '--missing', '0.05'],
      ...['--out', 'raw/sales.csv', '--future', '8'],
    );
    await mmOk('prepare', '--config', 'configs/gaps.yaml');
    await mmOk('train', '--config', 'configs/gaps.yaml', '--run', 'gappy');
  }, 240_000);

  it('when a holdout holds a missing week, evaluate-and-promote still judges every partition and promotes', async () => {
    // The run's artifacts, one JSON document per line in its packs.
    const packs = path.join(lake().run('gappy'), 'packs');
    const gappy = readdirSync(packs)
      .flatMap((file) => readFileSync(path.join(packs, file), 'utf8').trim().split('\n'))
      .map((line) => JSON.parse(line) as { name: string; holdout: { actual: (number | null)[] } })
      .filter((artifact) => artifact.holdout.actual.includes(null))
      .map((artifact) => artifact.name);
    expect(gappy.length).toBeGreaterThan(0);

    await mmOk('evaluate-and-promote', '--config', 'configs/gaps.yaml', '--run', 'gappy');
    const decisions = JSON.parse(readFileSync(lake().decisions('gappy'), 'utf8')) as DecisionsFile;
    expect(decisions.decisions).toHaveLength(12);
    const promoted = decisions.decisions.filter((d) => d.outcome.startsWith('promote')).map((d) => d.name);
    for (const name of gappy) expect(promoted).toContain(name);
  }, 120_000);

  it('when the plan misses one week for one partition, only that week falls back and the table counts it', async () => {
    // A partition whose prod model uses the plan (ridge); the baseline models ignore covariates.
    const full = await mmOk(
      'score',
      '--config',
      'configs/gaps.yaml',
      '--run',
      'full',
      '--future',
      'raw/sales.future.csv',
    );
    expect(full.stdout).not.toContain('fallback used');
    const [ridge] = await queryOnce(
      `SELECT DISTINCT Store, Brand FROM read_parquet('${path.join(lake().predictions, 'run_id=full', 'predictions.parquet')}')
         WHERE model_kind = 'ridge' ORDER BY ALL LIMIT 1`,
    );
    const [header, ...rows] = readFileSync(path.join(project.dir, 'raw/sales.future.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    const mine = rows.flatMap((row, i) => {
      const [, store, brand] = row.split(',');
      return store === ridge!.Store && brand === ridge!.Brand ? [i] : [];
    });
    expect(mine).toHaveLength(8);
    const index = mine[3]!; // the fourth week of the plan: weeks after it must still use the plan
    const [week, store, brand] = rows[index]!.split(',');
    const partial = [header, ...rows.filter((_, i) => i !== index)].join('\n');
    project.write('raw/partial.csv', partial);
    await mmOk('score', '--config', 'configs/gaps.yaml', '--run', 'partial', '--future', 'raw/partial.csv');

    const file = path.join(lake().predictions, 'run_id=partial', 'predictions.parquet');
    const perPartition = await queryOnce(
      `SELECT Store, Brand, max(fallback_periods) AS periods, count(*) FILTER (WHERE used_fallback) AS rows
         FROM read_parquet('${file}') WHERE status = 'ok' GROUP BY Store, Brand`,
    );
    expect(perPartition.length).toBeGreaterThan(0);
    for (const row of perPartition) {
      const hit = row.Store === store && row.Brand === brand;
      expect(Number(row.periods), `${row.Store}/${row.Brand}`).toBe(hit ? 1 : 0);
      expect(Number(row.rows)).toBe(hit ? 1 : 0);
    }
    const fellBack = await queryOnce(
      `SELECT strftime(WeekStarting, '%Y-%m-%d') AS week FROM read_parquet('${file}')
         WHERE used_fallback AND Store = '${store}' AND Brand = '${brand}'`,
    );
    expect(fellBack.map((r) => r.week)).toEqual([week]);
    // Every forecast carries its 80 % and 95 % prediction intervals, nested around it.
    const [bands] = await queryOnce(
      `SELECT count(*) AS n, count(*) FILTER (WHERE lower_95 <= lower_80 AND lower_80 <= forecast
         AND forecast <= upper_80 AND upper_80 <= upper_95 AND lower_95 >= 0) AS nested
         FROM read_parquet('${file}') WHERE status = 'ok'`,
    );
    expect(Number(bands!.nested)).toBe(Number(bands!.n));
  }, 180_000);

  it('when the horizon is far beyond what the holdout measures, every stage warns and names the key', async () => {
    const result = await mmOk('prepare', '--config', 'configs/far.yaml');
    expect(result.stderr).toContain('warning in configs/far.yaml: forecast.horizon: 60 periods');
    expect(result.stderr).toContain('more than 4x the holdout (8)');
    expect(result.stderr).toContain('more than half the typical history');
  });

  it('when the horizon is absurd (500 weeks), the config is refused with exit 2 and a located message', async () => {
    const result = await mm('prepare', '--config', 'configs/absurd.yaml');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('configs/absurd.yaml');
    expect(result.stderr).toContain('forecast.horizon: 500 weekly periods is beyond the limit of 104');
  });
});
