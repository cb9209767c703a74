import { existsSync, mkdtempSync, statSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartitionRecord } from '../../src/engine/manifest.ts';
import { readArtifact, registerRun } from '../../src/engine/register.ts';
import { trainAndReadManifest } from '../../src/engine/run.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { type ScoredPartition, scoreRun } from '../../src/scoring/score.ts';
import { type LakeFixture, preparedLake } from '../engine/fixture.ts';
import { HostClient } from './host-client.ts';

const comparable = (r: PartitionRecord) => ({
  name: r.name,
  key: r.key,
  status: r.status,
  chosen: r.chosen,
  baseline: r.baseline,
  metrics: r.metrics,
  // Pack names are random per batch: what must match is that an ok row points at an artifact.
  packed: r.artifact !== undefined,
  observations: r.observations,
});

async function parquetRows(file: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const rows = (
      await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${file}')`)
    ).getRowObjectsJS();
    return Number(rows[0]!.n);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

describe('the engine host (node src/compute/engine-host.ts)', () => {
  let lake: LakeFixture;
  let inProcess: Awaited<ReturnType<typeof trainAndReadManifest>>;
  let host: HostClient;
  const base = () => ({
    config: lake.configPath,
    env: 'local',
    preparedDir: lake.layout.prepared,
    workers: 1,
  });

  beforeAll(async () => {
    lake = await preparedLake({ partitions: 30, periods: 70, buckets: 4 });
    inProcess = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 'in-process',
    });
    host = new HostClient();
  });
  afterAll(async () => {
    if (host) await host.close();
  });

  it('given train requests for every bucket, answers the same partitions, kinds and metrics as the in-process run, with their artifacts in outDir', async () => {
    const outDir = path.join(lake.root, 'host-run');
    const rows: PartitionRecord[] = [];
    for (const buckets of [[0, 1], [2], [3]]) {
      const answer = await host.request({
        id: `t${buckets}`,
        op: 'train',
        ...base(),
        runId: 'h1',
        buckets,
        outDir,
      });
      expect(answer, host.stderr).toMatchObject({ id: `t${buckets}`, ok: true });
      if (answer.ok) rows.push(...(answer.rows as PartitionRecord[]));
    }
    rows.sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(rows.map(comparable)).toEqual(inProcess.manifest.partitions.map(comparable));
    const ok = rows.filter((r) => r.status === 'ok');
    expect(ok.length).toBeGreaterThan(20);
    for (const r of ok) {
      const artifact = await readArtifact(outDir, r.artifact!);
      expect(artifact.model.kind).toBe(r.chosen);
    }
    expect(existsSync(path.join(outDir, 'manifest.buckets-000-001.json'))).toBe(true);
  });

  it('given the same train request again (a retried mini-batch), answers the journalled rows without retraining', async () => {
    const outDir = path.join(lake.root, 'host-retry');
    const request = { op: 'train', ...base(), runId: 'h2', buckets: [2], outDir };
    const first = await host.request({ id: 'a', ...request });
    const again = await host.request({ id: 'b', ...request });
    expect(first.ok && again.ok).toBe(true);
    // durationMs is measured per training: equal rows mean the second answer came from the journal.
    if (first.ok && again.ok) expect(again.rows).toEqual(first.rows);
  });

  it('given a request it cannot run, answers ok:false with the error and keeps serving', async () => {
    const bad = await host.request({
      id: 'x',
      op: 'train',
      ...base(),
      runId: 'h3',
      buckets: [0],
      preparedDir: path.join(lake.root, 'nowhere'),
      outDir: path.join(lake.root, 'h3'),
    });
    expect(bad).toMatchObject({ id: 'x', ok: false });
    const malformed = await host.request({ id: 'y', op: 'train', buckets: 'all' });
    expect(malformed).toMatchObject({ id: 'y', ok: false, error: { class: 'ProtocolError' } });
    expect(!malformed.ok && malformed.error.message).toMatch(/buckets/);
    const good = await host.request({
      id: 'z',
      op: 'train',
      ...base(),
      runId: 'h4',
      buckets: [1],
      outDir: path.join(lake.root, 'h4'),
    });
    expect(good.ok).toBe(true);
  });

  it('given score requests with a prod registry folder, answers one row per partition as the in-process scoring does and writes one Parquet file per request', async () => {
    const prod = new LocalModelRegistry({ root: lake.root, stage: 'prod' });
    const ok = inProcess.manifest.partitions.filter((p) => p.status === 'ok');
    await registerRun({ ...inProcess.manifest, partitions: ok.slice(1) }, inProcess.runDir, prod);
    const expected = await scoreRun({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      predictionsDir: lake.layout.predictions,
      runId: 's-in',
    });
    const outDir = path.join(lake.root, 'host-predictions');
    const rows: ScoredPartition[] = [];
    for (const buckets of [[0], [1, 2, 3]]) {
      const answer = await host.request({
        id: `s${buckets}`,
        op: 'score',
        ...base(),
        runId: 's-host',
        buckets,
        modelsDir: prod.location,
        outDir,
      });
      expect(answer, host.stderr).toMatchObject({ ok: true });
      if (answer.ok) rows.push(...(answer.rows as ScoredPartition[]));
    }
    rows.sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(rows).toEqual(expected.perPartition);
    expect(rows.filter((r) => r.status === 'ok')).toHaveLength(ok.length - 1);
    const files = ['predictions.buckets-000.parquet', 'predictions.buckets-001-002-003.parquet'].map((f) =>
      path.join(outDir, 'run_id=s-host', f),
    );
    const written = (await Promise.all(files.map(parquetRows))).reduce((a, b) => a + b, 0);
    expect(written).toBe(expected.rows);
  });

  it('given a score request for buckets this run already scored, answers the same rows from their file without scoring again', async () => {
    const prod = new LocalModelRegistry({ root: lake.root, stage: 'prod' });
    const outDir = path.join(lake.root, 'host-predictions-again');
    const request = { op: 'score', ...base(), runId: 's-again', buckets: [2], outDir };
    const first = await host.request({ id: 'a1', ...request, modelsDir: prod.location });
    expect(first, host.stderr).toMatchObject({ ok: true });
    const file = path.join(outDir, 'run_id=s-again', 'predictions.buckets-002.parquet');
    const written = statSync(file).mtimeMs;
    // Pointed at an empty registry, a fresh scoring would find no model at all: the answer comes from the file.
    const empty = mkdtempSync(path.join(lake.root, 'no-models-'));
    const again = await host.request({ id: 'a2', ...request, modelsDir: empty });
    expect(again, host.stderr).toMatchObject({ ok: true });
    if (first.ok && again.ok) {
      expect(again.rows).toEqual(first.rows);
      expect((first.rows as ScoredPartition[]).some((r) => r.status === 'ok')).toBe(true);
    }
    expect(statSync(file).mtimeMs).toBe(written);
  });

  it('exits when its input closes', async () => {
    const other = new HostClient();
    expect(await other.close()).toBe(0);
  });
});
