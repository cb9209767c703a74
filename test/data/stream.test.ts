import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelName } from '../../src/core/model-name.ts';
import {
  listPartitions,
  type PartitionBatch,
  prepare,
  seriesOf,
  streamPartitions,
  transferablesOf,
} from '../../src/data/index.ts';
import { configFor, HEADER, seriesRows, useTempDir, writeCsv } from './fixtures.ts';

const tempDir = useTempDir();
const DAY = 86_400_000;
const JAN_1_2024 = Date.UTC(2024, 0, 1) / DAY;

async function collect(
  dir: string,
  batchSize: number,
  filter?: (name: string) => boolean,
): Promise<PartitionBatch[]> {
  const batches: PartitionBatch[] = [];
  for await (const batch of streamPartitions(dir, { batchSize, filter })) batches.push(batch);
  return batches;
}

/** Seven partitions of 12..18 weeks; quantity encodes (partition, week) so values can be checked exactly. */
async function preparedLake(buckets: number): Promise<string> {
  const dir = await tempDir();
  const rows = Array.from({ length: 7 }, (_, p) =>
    seriesRows(String(p), `b${p}`, 12 + p, (i) => p * 1000 + i),
  ).flat();
  const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows.reverse());
  const out = path.join(dir, 'prepared');
  await prepare(configFor(csv), { outDir: out, buckets });
  return out;
}

describe('streamPartitions', () => {
  it.each([1, 3])(
    'yields every valid partition once, exact values, in batches of at most batchSize (%i buckets)',
    async (buckets) => {
      const out = await preparedLake(buckets);
      const batches = await collect(out, 3);

      expect(batches.map((b) => b.keys.length)).toEqual([3, 3, 1]);
      const series = batches.flatMap((b) => [...seriesOf(b)]);
      expect(series.map((s) => s.key[0]).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6']);
      for (const s of series) {
        const p = Number(s.key[0]);
        expect(s.key).toEqual([String(p), `b${p}`]);
        expect(s.time.length).toBe(12 + p);
        expect([...s.time]).toEqual(Array.from({ length: 12 + p }, (_, i) => JAN_1_2024 + 7 * i));
        expect([...s.y]).toEqual(Array.from({ length: 12 + p }, (_, i) => p * 1000 + i));
        expect(s.x).toHaveLength(2);
        expect([...s.x[0]!]).toEqual(Array.from({ length: 12 + p }, (_, i) => 2 + (i % 3) / 10));
        expect([...s.x[1]!]).toEqual(Array.from({ length: 12 + p }, (_, i) => (i % 4 === 0 ? 1 : 0)));
      }
    },
  );

  it('gives each batch its own buffers, ready to transfer to a worker', async () => {
    const out = await preparedLake(1);
    const [a, b] = await collect(out, 4);
    expect(transferablesOf(a!)).toHaveLength(5);
    expect(a!.time.buffer).not.toBe(b!.time.buffer);
    expect(a!.offsets[0]).toBe(0);
    expect(a!.offsets[a!.keys.length]).toBe(a!.time.length);
  });

  it('keeps only the partitions the filter accepts', async () => {
    const out = await preparedLake(2);
    const wanted = new Set([modelName(['2', 'b2']), modelName(['5', 'b5'])]);
    const batches = await collect(out, 10, (name) => wanted.has(name));
    expect(batches.flatMap((b) => b.keys).sort()).toEqual([
      ['2', 'b2'],
      ['5', 'b5'],
    ]);
  });

  it('skips excluded partitions and returns filled gaps as NaN with features carried forward', async () => {
    const dir = await tempDir();
    const gapped = seriesRows('1', 'a', 20, (i) => i).filter((_, i) => i !== 3 && i !== 4);
    // The first Price is empty: it is back-filled from the first known value.
    gapped[0] = gapped[0]!.replace(/,[\d.]+$/, ',');
    const rows = [
      ...gapped,
      ...seriesRows('2', 'b', 5),
      ...Array.from({ length: 30 }, (_, p) => seriesRows(`g${p}`, 'x', 12)).flat(),
    ];
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
    const out = path.join(dir, 'prepared');
    await prepare(configFor(csv), { outDir: out });
    expect((await listPartitions(out, (e) => e.status !== 'ok')).map((e) => e.key)).toEqual([['2', 'b']]);

    const series = (await collect(out, 100)).flatMap((b) => [...seriesOf(b)]);
    expect(series).toHaveLength(31);
    const s = series.find((x) => x.key[0] === '1')!;
    expect([...s.time]).toEqual(Array.from({ length: 20 }, (_, i) => JAN_1_2024 + 7 * i));
    expect([...s.y.slice(0, 6)]).toEqual([0, 1, 2, Number.NaN, Number.NaN, 5]);
    // Price: week 0 empty -> back-filled with week 1's 2.1; weeks 3, 4 missing -> week 2's 2.2 carried forward.
    expect([...s.x[0]!.slice(0, 6)]).toEqual([2.1, 2.1, 2.2, 2.2, 2.2, 2.2]);
    expect([...s.x[1]!.slice(0, 6)]).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('refuses a folder that holds no prepared data, and a bad batch size', async () => {
    const dir = await tempDir();
    await expect(collect(dir, 10)).rejects.toThrow(`no prepared data in ${dir}`);
    const out = await preparedLake(1);
    await expect(collect(out, 0)).rejects.toThrow('batchSize must be a positive integer, got 0');
  });
});
