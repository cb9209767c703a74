import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PartitionRecord, RunManifest } from '../../src/engine/manifest.ts';
import { writeManifestFile } from '../../src/engine/manifest-file.ts';

const manifestOf = (partitions: PartitionRecord[]): RunManifest => ({
  schemaVersion: 1,
  runId: 'r1',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  codeVersion: 'test',
  dataFingerprint: 'abc',
  partitionBy: ['Store', 'Brand'],
  shard: null,
  totals: { ok: partitions.length, failed: 0, skipped: 0 },
  partitions,
});

const record = (i: number): PartitionRecord => ({
  name: `mm-s${i}-000000000000`,
  key: [`S${i}`, 'Brand "x"\n'],
  status: 'ok',
  chosen: 'ridge',
  baseline: 'naive',
  metrics: { ridge: { wape: 0.1, mase: Number.POSITIVE_INFINITY, smape: 0.2, rmse: 3, bias: -1 } },
  artifact: `packs/0123456789abcdef.jsonl#${i * 100}+100`,
  observations: 156,
  durationMs: 0.123,
});

describe('writeManifestFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mm-manifest-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given many records (more than one write), when written record by record, then the file is the same JSON as the manifest', async () => {
    const manifest = manifestOf(Array.from({ length: 5000 }, (_, i) => record(i)));
    const file = path.join(dir, 'manifest.json');
    await writeManifestFile(file, manifest);
    const text = await readFile(file, 'utf8');
    expect(text.length).toBeGreaterThan(1 << 20);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(await readdir(dir)).toEqual(['manifest.json']);
  });

  it('given no partitions, then it is still valid JSON with an empty list', async () => {
    const file = path.join(dir, 'manifest.json');
    await writeManifestFile(file, manifestOf([]));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(manifestOf([]));
  });
});
