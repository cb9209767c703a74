import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { modelName } from '../../src/core/model-name.ts';
import {
  bucketOf,
  listPartitions,
  prepare,
  readMeta,
  streamPartitions,
  type ValidationReport,
} from '../../src/data/index.ts';
import { sharedFixture } from '../support/shared-fixture.ts';
import { configFor, HEADER, listing, seriesRows, useTempDir, writeCsv } from './fixtures.ts';

const tempDir = useTempDir();
const OJ = path.resolve('configs/oj-sales.yaml');
// The sample ships in ../shared beside the repository (present in CI); a fork without it skips, saying so.
const SAMPLE = sharedFixture('data/oj-sales-simulated-99.csv', 'the accelerator-sample tests') ?? '';
const hasSample = SAMPLE !== '';

describe.skipIf(!hasSample)('prepare on the accelerator sample', () => {
  it('validates oj-sales-simulated-99.csv cleanly and prepares 99 partitions', async () => {
    const out = path.join(await tempDir(), 'prepared');
    const config = loadConfig({ configPath: OJ });
    const result = await prepare(config, { outDir: out });

    expect(result.report).toMatchObject({
      passed: true,
      rows: 11_979,
      partitions: { total: 99, ok: 99, excluded: 0 },
      datasetProblems: [],
      excluded: [],
    });
    expect(listing(out)).toEqual([
      'bucket=000',
      'bucket=000/part.parquet',
      'catalog.parquet',
      'meta.json',
      'validation.json',
    ]);
    const meta = await readMeta(out);
    expect(meta).toMatchObject({
      partitionBy: ['Store', 'Brand'],
      time: 'WeekStarting',
      target: 'Quantity',
      features: ['Price', 'Advert'],
      frequency: 'W',
      buckets: 1,
      partitions: { total: 99, ok: 99, excluded: 0 },
      rows: { input: 11_979, prepared: 11_979, filled: 0 },
    });
    expect(meta.dataFingerprint).toMatch(/^sha256:[0-9a-f]{32}$/);
    const report = JSON.parse(await readFile(path.join(out, 'validation.json'), 'utf8')) as ValidationReport;
    expect(report.passed).toBe(true);

    const catalog = await listPartitions(out);
    expect(catalog).toHaveLength(99);
    expect(catalog.map((e) => e.name)).toEqual([...catalog.map((e) => e.name)].sort());
    const first = catalog.find((e) => e.key[0] === '1000' && e.key[1] === 'dominicks');
    expect(first).toEqual({
      name: modelName(['1000', 'dominicks']),
      key: ['1000', 'dominicks'],
      bucket: 0,
      rows: 121,
      inputRows: 121,
      filled: 0,
      start: Date.UTC(1990, 5, 14) / 86_400_000,
      end: Date.UTC(1992, 9, 1) / 86_400_000,
      status: 'ok',
      reason: '',
    });
  });

  it('gives the same fingerprint for the same data and a different one for different data', async () => {
    const dir = await tempDir();
    const config = loadConfig({ configPath: OJ });
    const a = await prepare(config, { outDir: path.join(dir, 'a') });
    const b = await prepare(config, { outDir: path.join(dir, 'b'), buckets: 1 });
    expect(b.meta.dataFingerprint).toBe(a.meta.dataFingerprint);

    const csv = await writeCsv(path.join(dir, 'one.csv'), HEADER, seriesRows('1', 'a', 20));
    const other = await prepare(configFor(csv), { outDir: path.join(dir, 'c') });
    expect(other.meta.dataFingerprint).not.toBe(a.meta.dataFingerprint);
  });
});

describe('prepare', () => {
  it('spreads partitions over hash buckets by model name, rows sorted by key then time', async () => {
    const dir = await tempDir();
    const rows = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((brand, i) =>
      seriesRows(String(10 - i), brand, 20).reverse(),
    );
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
    const out = path.join(dir, 'prepared');
    const result = await prepare(configFor(csv), { outDir: out, buckets: 4 });

    expect(result.meta.buckets).toBe(4);
    const catalog = await listPartitions(out);
    for (const entry of catalog) expect(entry.bucket).toBe(bucketOf(entry.name, 4));
    const used = [...new Set(catalog.map((e) => e.bucket))].sort();
    expect(listing(out).filter((f) => f.endsWith('part.parquet'))).toEqual(
      used.map((b) => `bucket=${String(b).padStart(3, '0')}/part.parquet`),
    );
    expect(listing(out).some((f) => f.includes('staging'))).toBe(false);
    expect(result.meta.rows.prepared).toBe(120);
  });

  it('fills gaps within validation.maxGapShare: target empty, features carried forward', async () => {
    const dir = await tempDir();
    const all = seriesRows('1', 'a', 20);
    const rows = all.filter((_, i) => i !== 5 && i !== 6);
    const csv = await writeCsv(path.join(dir, 'gaps.csv'), HEADER, rows);
    const out = path.join(dir, 'prepared');
    const result = await prepare(configFor(csv), { outDir: out });

    expect(result.report.filled).toEqual({ partitions: 1, periods: 2 });
    expect(result.meta.rows).toEqual({ input: 18, prepared: 20, filled: 2 });
    const [entry] = await listPartitions(out);
    expect(entry).toMatchObject({ status: 'ok', rows: 20, inputRows: 18, filled: 2 });
  });

  it('accepts Parquet input with typed columns and keeps keys as text', async () => {
    const dir = await tempDir();
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, [
      ...seriesRows('7', 'x', 20),
      ...seriesRows('8', 'y', 20),
    ]);
    const { openDuck } = await import('../../src/data/duckdb.ts');
    const duck = await openDuck({ threads: 1 });
    const parquet = path.join(dir, 'data.parquet');
    await duck.connection.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`);
    duck.close();
    const result = await prepare(configFor(parquet), { outDir: path.join(dir, 'prepared') });
    expect(result.report.partitions).toEqual({ total: 2, ok: 2, excluded: 0 });
    expect((await listPartitions(path.join(dir, 'prepared'))).map((e) => e.key)).toEqual(
      [
        ['7', 'x'],
        ['8', 'y'],
      ].sort((a, b) => modelName(a).localeCompare(modelName(b))),
    );
  });

  it('replaces a previous prepared folder only when the new one is complete', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'prepared');
    const first = await writeCsv(path.join(dir, 'first.csv'), HEADER, seriesRows('1', 'a', 20));
    await prepare(configFor(first), { outDir: out });
    const second = await writeCsv(path.join(dir, 'second.csv'), HEADER, [
      ...seriesRows('1', 'a', 20),
      ...seriesRows('2', 'b', 30),
    ]);
    const result = await prepare(configFor(second), { outDir: out });

    expect(result.meta.partitions.total).toBe(2);
    expect((await readMeta(out)).source).toBe(second);
    // One version left (the one the link points at): no temporary, and the replaced version is gone.
    expect(listing(dir).filter((f) => f.startsWith('.') && !f.includes('/'))).toEqual([
      expect.stringMatching(/^\.prepared\.v-/),
    ]);
  });

  it('writes the report where asked, outside the prepared folder', async () => {
    const dir = await tempDir();
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, seriesRows('1', 'a', 20));
    const reportPath = path.join(dir, 'reports', 'validation.json');
    const result = await prepare(configFor(csv), { outDir: path.join(dir, 'prepared'), reportPath });
    expect(result.reportPath).toBe(reportPath);
    expect(existsSync(reportPath)).toBe(true);
    expect(existsSync(path.join(dir, 'prepared', 'validation.json'))).toBe(false);
  });

  it('works with one key column and no features', async () => {
    const dir = await tempDir();
    const rows = Array.from({ length: 3 }, (_, p) =>
      Array.from(
        { length: 14 },
        (_, i) => `${new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)},sku-${p},${p + i}`,
      ),
    ).flat();
    const csv = await writeCsv(
      path.join(dir, 'data.csv'),
      'day,sku,units',
      rows.filter((_, i) => i !== 20),
    );
    const config = parseConfig(
      {
        dataset: { path: csv, partitionBy: ['sku'], time: 'day', target: 'units', frequency: 'D' },
        forecast: { horizon: 2, holdout: 2, minTrainPoints: 4 },
      },
      'test',
    );
    const out = path.join(dir, 'prepared');
    const result = await prepare(config, { outDir: out });
    expect(result.meta).toMatchObject({
      partitionBy: ['sku'],
      features: [],
      rows: { input: 41, prepared: 42, filled: 1 },
    });
    const batches = [];
    for await (const batch of streamPartitions(out, { batchSize: 10 })) batches.push(batch);
    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect(batch!.features).toEqual([]);
    const sku1 = batch!.keys.findIndex((k) => k[0] === 'sku-1');
    const y = batch!.target.subarray(batch!.offsets[sku1]!, batch!.offsets[sku1 + 1]!);
    expect([...y.slice(4, 9)]).toEqual([5, 6, Number.NaN, 8, 9]);
  });

  it('puts monthly rows on month starts', async () => {
    const dir = await tempDir();
    const rows = Array.from({ length: 20 }, (_, i) => {
      const date = new Date(Date.UTC(2020, i, 15)).toISOString().slice(0, 10);
      return `${date},1,a,${10 + i},0,2.0`;
    });
    const csv = await writeCsv(path.join(dir, 'monthly.csv'), HEADER, rows);
    const out = path.join(dir, 'prepared');
    const config = configFor(csv, { dataset: { frequency: 'M' } });
    await prepare(config, { outDir: out });
    const [entry] = await listPartitions(out);
    expect(entry).toMatchObject({ status: 'ok', rows: 20, start: Date.UTC(2020, 0, 1) / 86_400_000 });
  });
});
