import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDuck } from '../../src/data/duckdb.ts';
import { literal } from '../../src/data/sql.ts';
import type { PartitionRecord } from '../../src/engine/manifest.ts';
import { buildManifest } from '../../src/engine/manifest-build.ts';
import { RunError, readManifest } from '../../src/engine/run.ts';
import { shardOf } from '../../src/engine/shard.ts';

const header = {
  schemaVersion: 1 as const,
  runId: 'r1',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  codeVersion: 'test',
  dataFingerprint: 'abc',
  partitionBy: ['Store', 'Brand'],
  shard: null,
};

const name = (i: number) => `mm-s${String(i).padStart(3, '0')}-000000000000`;

const record = (i: number, status: PartitionRecord['status'], durationMs = 1): PartitionRecord => ({
  name: name(i),
  key: [`S${i}`, 'B'],
  status,
  ...(status === 'ok'
    ? {
        chosen: 'ridge' as const,
        baseline: 'naive' as const,
        metrics: { ridge: { wape: 0.1, mase: Number.NaN, smape: 0.2, rmse: 3, bias: -1 } },
        artifact: `packs/0123456789abcdef.jsonl#${i * 100}+100`,
      }
    : { error: { class: 'ModelError', message: `partition ${i} failed` } }),
  observations: 52,
  durationMs,
});

/** A prepared catalog of `count` partitions (two buckets); the ones in `rejected` were excluded by prepare. */
async function writeCatalog(dir: string, count: number, rejected: Record<number, string>): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => {
    const status = rejected[i] ?? 'ok';
    const reason = status === 'ok' ? '' : `${status} found`;
    return `('${name(i)}', ['S${i}', 'B'], ${i % 2}, 52, 50, 2, DATE '2024-01-01', DATE '2024-12-30', '${status}', '${reason}')`;
  });
  const duck = await openDuck({ threads: 1 });
  try {
    await duck.connection.run(
      `COPY (SELECT * FROM (VALUES ${rows.join(', ')})
               t(name, key, bucket, rows, input_rows, filled, start, "end", status, reason))
         TO ${literal(path.join(dir, 'catalog.parquet'))} (FORMAT parquet)`,
    );
  } finally {
    duck.close();
  }
}

describe('buildManifest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mm-manifest-build-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const build = (extra: Partial<Parameters<typeof buildManifest>[0]> = {}) =>
    buildManifest({
      preparedDir: dir,
      journalFile: path.join(dir, 'journal.jsonl'),
      manifestPath: path.join(dir, 'manifest.json'),
      header,
      workDir: dir,
      ...extra,
    });

  it('given a journal in finishing order with a retrained partition and a torn line, then the manifest is every partition by name, the latest record each, prepare rejections with their reason', async () => {
    await writeCatalog(dir, 6, { 2: 'too_short', 4: 'negative_target' });
    const journal = path.join(dir, 'journal.jsonl');
    const lines = [
      record(5, 'ok'),
      record(1, 'failed'),
      record(0, 'ok'),
      record(3, 'ok'),
      record(1, 'ok', 7),
    ];
    await writeFile(journal, lines.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await appendFile(journal, '{"name":"mm-s003-000000000000","status":"fa'); // a process killed mid-append

    const summary = await build();
    const manifest = await readManifest(path.join(dir, 'manifest.json'));

    expect(manifest.partitions.map((p) => p.name)).toEqual([0, 1, 2, 3, 4, 5].map(name));
    expect(manifest.partitions[1]).toMatchObject({ status: 'ok', durationMs: 7 });
    expect(manifest.partitions[2]).toMatchObject({ status: 'skipped', reason: 'too_short found' });
    expect(manifest.partitions[4]).toMatchObject({
      status: 'failed',
      error: { class: 'ValidationError', message: 'negative_target: negative_target found' },
    });
    expect(manifest.partitions[3]).toMatchObject({ status: 'ok' });
    expect(summary).toMatchObject({
      runId: 'r1',
      partitionCount: 6,
      totals: { ok: 4, failed: 1, skipped: 1 },
    });
    expect(manifest.totals).toEqual(summary.totals);
    // Nothing is left behind but the manifest (and the inputs).
    expect((await readdir(dir)).sort()).toEqual(['catalog.parquet', 'journal.jsonl', 'manifest.json']);
  });

  it('given a line torn by a kill and lines appended after it (a resumed run), then every record after it is read', async () => {
    await writeCatalog(dir, 4, {});
    const journal = path.join(dir, 'journal.jsonl');
    const torn = JSON.stringify(record(1, 'ok'));
    await writeFile(journal, `${JSON.stringify(record(0, 'ok'))}\n${torn.slice(0, torn.length / 2)}\n`);
    await appendFile(journal, [1, 2, 3].map((i) => `${JSON.stringify(record(i, 'ok', 5))}\n`).join(''));
    const summary = await build();
    const manifest = await readManifest(path.join(dir, 'manifest.json'));
    expect(summary.partitionCount).toBe(4);
    expect(manifest.partitions.map((p) => p.durationMs)).toEqual([1, 5, 5, 5]);
  });

  it('given a valid partition without a journal record, then it fails naming the partition and --resume', async () => {
    await writeCatalog(dir, 3, {});
    await writeFile(
      path.join(dir, 'journal.jsonl'),
      [record(0, 'ok'), record(2, 'ok')].map((r) => `${JSON.stringify(r)}\n`).join(''),
    );
    const failure = build();
    await expect(failure).rejects.toThrow(RunError);
    await expect(failure).rejects.toThrow(
      `1 partition(s) produced no record (first: ${name(1)}); re-run with --resume`,
    );
  });

  it('given a shard or a set of buckets, then only their partitions are listed, and no journal is needed for none', async () => {
    await writeCatalog(dir, 8, { 3: 'too_short' });
    const shard = { index: 1, count: 2 };
    const inShard = [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => shardOf(name(i), 2) === 1);
    await writeFile(
      path.join(dir, 'journal.jsonl'),
      inShard
        .filter((i) => i !== 3)
        .map((i) => `${JSON.stringify(record(i, 'ok'))}\n`)
        .join(''),
    );
    await build({ shard });
    const sharded = await readManifest(path.join(dir, 'manifest.json'));
    expect(sharded.partitions.map((p) => p.name)).toEqual(inShard.map(name));

    await writeFile(
      path.join(dir, 'journal.jsonl'),
      [1, 5, 7].map((i) => `${JSON.stringify(record(i, 'ok'))}\n`).join(''),
    );
    await build({ buckets: [1], manifestPath: path.join(dir, 'odd.json') });
    const odd = await readManifest(path.join(dir, 'odd.json'));
    expect(odd.partitions.map((p) => p.name)).toEqual([1, 3, 5, 7].map(name));
  });

  it('given no journal (nothing was trained) and only rejected partitions, then the manifest lists them', async () => {
    await writeCatalog(dir, 2, { 0: 'too_short', 1: 'too_short' });
    const summary = await build();
    expect(summary).toMatchObject({ partitionCount: 2, totals: { ok: 0, failed: 0, skipped: 2 } });
  });
});
