import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError } from '../../src/contracts/json-file.ts';
import type { PartitionRecord, RunManifest } from '../../src/engine/manifest.ts';
import { writeManifestFile } from '../../src/engine/manifest-file.ts';
import { openManifest } from '../../src/engine/manifest-stream.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mm-manifest-stream-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (i: number): PartitionRecord => ({
  name: `mm-p${i}-0123456789ab`,
  key: [`p${i}`, 'b'],
  status: i % 3 === 2 ? 'failed' : 'ok',
  ...(i % 3 === 2
    ? { error: { class: 'Error', message: 'x' } }
    : {
        chosen: 'ridge',
        artifact: `packs/0123456789abcdef.jsonl#${i * 10}+10`,
        metrics: { ridge: { wape: 0.1, mase: 1, smape: 0.1, rmse: 2, bias: 0 } },
      }),
  observations: 52,
  durationMs: 3,
});

const manifestOf = (partitions: PartitionRecord[]): RunManifest => ({
  schemaVersion: 1,
  runId: 'run-1',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  codeVersion: 'c',
  dataFingerprint: 'd',
  partitionBy: ['Store', 'Brand'],
  shard: null,
  totals: {
    ok: partitions.filter((p) => p.status === 'ok').length,
    failed: partitions.filter((p) => p.status === 'failed').length,
    skipped: 0,
  },
  partitions,
});

async function collect(file: string): Promise<{ header: unknown; records: PartitionRecord[] }> {
  const manifest = await openManifest(file);
  const records: PartitionRecord[] = [];
  for await (const r of manifest.records()) records.push(r);
  return { header: manifest.header, records };
}

describe('openManifest: a run manifest read one record at a time', () => {
  it('streams the header and every record of a manifest in the engine layout, as often as asked', async () => {
    const file = path.join(dir, 'manifest.json');
    const manifest = manifestOf(Array.from({ length: 50 }, (_, i) => record(i)));
    await writeManifestFile(file, manifest);
    const { partitions, ...header } = manifest;
    const read = await collect(file);
    expect(read.header).toEqual(header);
    expect(read.records).toEqual(partitions);
    // A second walk reads the file again.
    expect((await collect(file)).records).toHaveLength(50);
  });

  it('reads an empty manifest, and a pretty-printed or one-line one whole', async () => {
    const empty = path.join(dir, 'empty.json');
    await writeManifestFile(empty, manifestOf([]));
    expect((await collect(empty)).records).toEqual([]);
    const manifest = manifestOf([record(1), record(2)]);
    for (const [name, text] of [
      ['pretty.json', JSON.stringify(manifest, null, 2)],
      ['line.json', JSON.stringify(manifest)],
    ] as const) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      expect((await collect(file)).records).toEqual(manifest.partitions);
    }
  });

  it('names the file and the line of a record that breaks the contract, or is cut short', async () => {
    const file = path.join(dir, 'manifest.json');
    await writeManifestFile(file, manifestOf([record(0), record(1), record(3)]));
    const lines = (await readFile(file, 'utf8')).split('\n');
    const at = lines.findIndex((l) => l.includes('mm-p1-'));
    lines[at] = lines[at]!.replace('"observations":52', '"observations":"many"');
    await writeFile(file, lines.join('\n'));
    const bad = collect(file);
    await expect(bad).rejects.toThrow(ContractError);
    await expect(bad).rejects.toThrow(
      new RegExp(`manifest\\.json is malformed: line ${at + 1}: observations`),
    );

    const torn = path.join(dir, 'torn.json');
    const text = (await readFile(file, 'utf8')).replace('"observations":"many"', '"observations":52');
    await writeFile(torn, text.slice(0, text.indexOf('mm-p3-') + 20));
    await expect(collect(torn)).rejects.toThrow(/torn\.json is malformed: line \d+: not a JSON record/);
  });
});
