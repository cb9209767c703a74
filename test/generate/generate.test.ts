import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holidayFlag, yearPhase } from '../../src/calendar/index.ts';
import { parseConfig } from '../../src/config/load.ts';
import { modelName } from '../../src/core/model-name.ts';
import { num, openDuck, queryRows } from '../../src/data/duckdb.ts';
import { listPartitions, prepare, ValidationError } from '../../src/data/index.ts';
import { type GroundTruth, generate, generatedPaths } from '../../src/generate/index.ts';
import { useTempDir } from '../data/fixtures.ts';
import { leastSquares } from './ols.ts';

const tempDir = useTempDir();

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const duck = await openDuck({ threads: 1 });
  try {
    return await queryRows(duck.connection, sql);
  } finally {
    duck.close();
  }
}

async function truthOf(file: string): Promise<GroundTruth> {
  return JSON.parse(await readFile(file, 'utf8')) as GroundTruth;
}

describe('generate', () => {
  it("writes the accelerator's columns, one row per partition and week, with its ground truth", async () => {
    const dir = await tempDir();
    const result = await generate({
      out: path.join(dir, 'demo.parquet'),
      partitions: 60,
      periods: 104,
      seed: 7,
    });

    expect(result).toMatchObject({
      path: path.join(dir, 'demo.parquet'),
      truthPath: path.join(dir, 'demo.truth.json'),
      futurePath: null,
      partitions: 60,
      timeColumn: 'WeekStarting',
    });
    const columns = await query(`DESCRIBE SELECT * FROM '${result.path}'`);
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual([
      ['WeekStarting', 'DATE'],
      ['Store', 'INTEGER'],
      ['Brand', 'VARCHAR'],
      ['Quantity', 'INTEGER'],
      ['Advert', 'INTEGER'],
      ['Price', 'DOUBLE'],
      ['Revenue', 'DOUBLE'],
    ]);
    const truth = await truthOf(result.truthPath);
    expect(truth).toMatchObject({
      seed: 7,
      frequency: 'W',
      periods: 104,
      start: '2020-01-06',
      end: '2021-12-27',
    });
    expect(truth.partitions).toHaveLength(60);
    expect(result.rows).toBe(truth.partitions.reduce((n, p) => n + p.periods, 0));

    const perPartition = await query(
      `SELECT CAST(Store AS VARCHAR) AS s, Brand AS b, count(*) AS n, count(DISTINCT WeekStarting) AS d,
              min(WeekStarting)::VARCHAR AS first, max(WeekStarting)::VARCHAR AS last,
              bool_and(abs(Revenue - round(Quantity * Price, 2)) < 1e-9) AS revenue_ok,
              bool_and(Price > 0 AND Advert IN (0, 1) AND Quantity >= 0) AS sane
         FROM '${result.path}' GROUP BY ALL`,
    );
    expect(perPartition).toHaveLength(60);
    for (const row of perPartition) {
      const p = truth.partitions.find((t) => t.key.Store === row.s && t.key.Brand === row.b)!;
      expect(p.name).toBe(modelName([String(row.s), String(row.b)]));
      expect(num(row.n)).toBe(p.periods);
      expect(num(row.d)).toBe(p.periods);
      expect(row.first).toBe(p.start);
      expect(row.last).toBe('2021-12-27');
      expect(row.revenue_ok).toBe(true);
      expect(row.sane).toBe(true);
    }
    expect(perPartition.map((r) => r.b)).toContain('minute.maid');
  });

  it('plants parameters in the documented ranges and every kind of series', async () => {
    const dir = await tempDir();
    const result = await generate({ out: path.join(dir, 'd.parquet'), partitions: 300, periods: 60 });
    const truth = await truthOf(result.truthPath);
    const kinds = new Set(truth.partitions.map((p) => p.kind));
    expect([...kinds].sort()).toEqual(['break', 'intermittent', 'regular', 'short']);
    for (const p of truth.partitions) {
      expect(p.elasticity).toBeGreaterThanOrEqual(-2.5);
      expect(p.elasticity).toBeLessThanOrEqual(-0.5);
      expect(p.promotionLift).toBeGreaterThanOrEqual(0.1);
      expect(p.promotionLift).toBeLessThanOrEqual(0.6);
      if (p.kind === 'short') expect(p.periods).toBeLessThan(60);
      else expect(p.periods).toBe(60);
      expect(p.breakAt === null).toBe(p.kind !== 'break');
      expect(p.occurrence < 1).toBe(p.kind === 'intermittent');
    }
    const zeros = await query(
      `SELECT Brand, Store, avg((Quantity = 0)::INTEGER) AS z FROM '${result.path}' GROUP BY ALL`,
    );
    const intermittent = truth.partitions.filter((p) => p.kind === 'intermittent');
    for (const p of intermittent) {
      const z = num(zeros.find((r) => String(r.Store) === p.key.Store && r.Brand === p.key.Brand)?.z);
      expect(z).toBeGreaterThan(0.3);
    }
  });

  it('is reproducible: same seed, same bytes; another seed, other data', async () => {
    const dir = await tempDir();
    const options = { partitions: 40, periods: 80, frequency: 'D' as const };
    const a = await generate({ ...options, out: path.join(dir, 'a.parquet'), seed: 3 });
    const b = await generate({ ...options, out: path.join(dir, 'b.parquet'), seed: 3 });
    const c = await generate({ ...options, out: path.join(dir, 'c.parquet'), seed: 4 });
    expect(await readFile(b.path)).toEqual(await readFile(a.path));
    expect(await readFile(b.truthPath, 'utf8')).toBe(await readFile(a.truthPath, 'utf8'));
    expect(await readFile(c.path)).not.toEqual(await readFile(a.path));
  });

  it('lets a regression recover the planted elasticity, promotion lift and holiday effect', async () => {
    const dir = await tempDir();
    const result = await generate({
      out: path.join(dir, 'd.parquet'),
      partitions: 12,
      periods: 730,
      frequency: 'D',
      seed: 11,
      mix: { intermittent: 0, short: 0, break: 0 },
    });
    const truth = await truthOf(result.truthPath);
    const rows = await query(
      `SELECT CAST(Store AS VARCHAR) AS s, Brand AS b, CAST("Date" - DATE '1970-01-01' AS INTEGER) AS day,
              Quantity AS q, Price AS price, Advert AS advert
         FROM '${result.path}' ORDER BY s, b, day`,
    );
    const errors = { elasticity: [] as number[], lift: [] as number[], holiday: [] as number[] };
    for (const p of truth.partitions) {
      const mine = rows.filter((r) => r.s === p.key.Store && r.b === p.key.Brand);
      const first = num(mine[0]!.day);
      const x = mine.map((r) => {
        const day = num(r.day);
        const phase = 2 * Math.PI * yearPhase(day);
        const weekday = (((day + 4) % 7) - 5) * ((2 * Math.PI) / 7);
        return [
          1,
          day - first,
          Math.sin(phase),
          Math.cos(phase),
          Math.cos(weekday),
          Math.log(num(r.price) / p.refPrice),
          num(r.advert),
          holidayFlag(day, 'D'),
        ];
      });
      const beta = leastSquares(
        x,
        mine.map((r) => Math.log(num(r.q))),
      );
      errors.elasticity.push(Math.abs(beta[5]! - p.elasticity));
      errors.lift.push(Math.abs(beta[6]! - p.promotionLift));
      errors.holiday.push(Math.abs(beta[7]! - p.holidayEffect));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(errors.elasticity)).toBeLessThan(0.1);
    expect(mean(errors.lift)).toBeLessThan(0.05);
    expect(mean(errors.holiday)).toBeLessThan(0.1);
  });

  it('writes planned Price and Advert for the periods after the data', async () => {
    const dir = await tempDir();
    const result = await generate({
      out: path.join(dir, 'd.parquet'),
      partitions: 9,
      periods: 30,
      futureHorizon: 8,
    });
    expect(result.futurePath).toBe(generatedPaths(path.join(dir, 'd.parquet')).future);
    expect(result.futurePath).toBe(path.join(dir, 'd.future.parquet'));
    const columns = await query(`DESCRIBE SELECT * FROM '${result.futurePath}'`);
    expect(columns.map((c) => c.column_name)).toEqual(['WeekStarting', 'Store', 'Brand', 'Advert', 'Price']);
    const [summary] = await query(
      `SELECT count(*) AS n, count(DISTINCT (Store, Brand)) AS p, min(WeekStarting)::VARCHAR AS first,
              max(WeekStarting)::VARCHAR AS last, bool_and(Price > 0) AS priced FROM '${result.futurePath}'`,
    );
    expect(summary).toMatchObject({ first: '2020-08-03', last: '2020-09-21', priced: true });
    expect(num(summary!.n)).toBe(72);
    expect(num(summary!.p)).toBe(9);
  });

  it('drops a share of rows to leave gaps that prepare fills, and writes CSV when asked', async () => {
    const dir = await tempDir();
    const result = await generate({
      out: path.join(dir, 'raw.csv'),
      partitions: 30,
      periods: 100,
      missingShare: 0.05,
      mix: { short: 0 },
    });
    expect(result.rows).toBeGreaterThan(30 * 100 * 0.9);
    expect(result.rows).toBeLessThan(30 * 100 * 0.99);
    expect((await readFile(result.path, 'utf8')).split('\n')[0]).toBe(
      'WeekStarting,Store,Brand,Quantity,Advert,Price,Revenue',
    );
    const config = parseConfig(
      {
        dataset: {
          path: result.path,
          partitionBy: ['Store', 'Brand'],
          time: 'WeekStarting',
          target: 'Quantity',
          frequency: 'W',
          features: ['Price', 'Advert'],
        },
        forecast: { horizon: 8, holdout: 8 },
      },
      'test',
    );
    const prepared = await prepare(config, { outDir: path.join(dir, 'prepared') });
    expect(prepared.report.partitions).toEqual({ total: 30, ok: 30, excluded: 0 });
    expect(prepared.meta.rows.prepared).toBe(3000);
    expect(prepared.report.filled.periods).toBe(3000 - result.rows);
    const catalog = await listPartitions(path.join(dir, 'prepared'));
    expect(catalog.every((e) => e.rows === 100)).toBe(true);
  });

  it('adds promotions the data does not show: the same prices and flags, demand lifted in about that share of rows', async () => {
    const dir = await tempDir();
    const options = { partitions: 20, periods: 100, mix: { intermittent: 0, short: 0, break: 0 } };
    const plain = await generate({ ...options, out: path.join(dir, 'plain.parquet') });
    const hidden = await generate({
      ...options,
      out: path.join(dir, 'hidden.parquet'),
      hiddenPromotionShare: 0.2,
    });
    const [row] = await query(`SELECT count(*) AS n,
        count(*) FILTER (WHERE a.Price = b.Price AND a.Advert = b.Advert) AS same_plan,
        count(*) FILTER (WHERE b.Quantity > 1.5 * a.Quantity) AS lifted,
        count(*) FILTER (WHERE b.Quantity < a.Quantity) AS lowered
      FROM read_parquet('${plain.path}') a JOIN read_parquet('${hidden.path}') b USING (WeekStarting, Store, Brand)`);
    expect(num(row!.n)).toBe(2000);
    // Nothing the model sees changes: price and the promotion flag are the same in both files.
    expect(num(row!.same_plan)).toBe(2000);
    // exp(0.5) = 1.65x in about 20 % of the rows (a binomial 400 +- 18), never a decrease.
    expect(num(row!.lifted)).toBeGreaterThan(330);
    expect(num(row!.lifted)).toBeLessThan(470);
    expect(num(row!.lowered)).toBe(0);
  });

  it('writes monthly data on month starts that prepares cleanly', async () => {
    const dir = await tempDir();
    const result = await generate({
      out: path.join(dir, 'm.parquet'),
      partitions: 6,
      periods: 36,
      frequency: 'M',
      mix: { short: 0 },
    });
    expect(result.timeColumn).toBe('MonthStarting');
    const [dates] = await query(
      `SELECT count(DISTINCT MonthStarting) AS n, bool_and(day(MonthStarting) = 1) AS starts,
              min(MonthStarting)::VARCHAR AS first, max(MonthStarting)::VARCHAR AS last FROM '${result.path}'`,
    );
    expect(dates).toMatchObject({ starts: true, first: '2015-01-01', last: '2017-12-01' });
    expect(num(dates!.n)).toBe(36);
    const config = parseConfig(
      {
        dataset: {
          path: result.path,
          partitionBy: ['Store', 'Brand'],
          time: 'MonthStarting',
          target: 'Quantity',
          frequency: 'M',
          features: ['Price', 'Advert'],
        },
        forecast: { horizon: 6, holdout: 6 },
      },
      'test',
    );
    const prepared = await prepare(config, { outDir: path.join(dir, 'prepared') });
    expect(prepared.report.partitions).toEqual({ total: 6, ok: 6, excluded: 0 });
    expect(prepared.meta.rows.prepared).toBe(216);
  });

  it('refuses bad options, listing every problem', async () => {
    const dir = await tempDir();
    const attempt = generate({
      out: path.join(dir, 'x.parquet'),
      partitions: 0,
      periods: 1.5,
      missingShare: 0.9,
      start: '06/01/2020',
      mix: { intermittent: 0.6, short: 0.6 },
    });
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(
      [
        'invalid generate options:',
        '  - partitions must be a whole number from 1 to 10000000, got 0',
        '  - periods must be a whole number from 2 to 100000, got 1.5',
        '  - missingShare must be from 0 to 0.5, got 0.9',
        "  - start must be a date YYYY-MM-DD, got '06/01/2020'",
        '  - mix shares must be >= 0 and add up to at most 1, got {"intermittent":0.6,"short":0.6,"break":0.05}',
      ].join('\n'),
    );
  });
});
