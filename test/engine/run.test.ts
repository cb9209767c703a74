import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listPartitions } from '../../src/data/index.ts';
import type { PartitionRecord } from '../../src/engine/manifest.ts';
import { mergeRun } from '../../src/engine/merge-run.ts';
import { readArtifact } from '../../src/engine/register.ts';
import { RunError, trainAndReadManifest } from '../../src/engine/run.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { loadModel } from '../../src/models/index.ts';
import { type LakeFixture, preparedLake } from './fixture.ts';

/** What must be identical between two runs of the same data: everything but timings and where packs landed. */
function comparable(records: PartitionRecord[]) {
  return records.map(({ durationMs: _d, artifact, ...rest }) => ({
    ...rest,
    packed: artifact !== undefined,
  }));
}

/** An artifact without the moment it was trained at, for comparing two runs' models. */
async function modelOf(runDir: string, ref: string) {
  const artifact = await readArtifact(runDir, ref);
  return { ...artifact, lineage: { ...artifact.lineage, trainedAt: '', runId: '' } };
}

describe('trainRun', () => {
  let lake: LakeFixture;
  beforeAll(async () => {
    lake = await preparedLake({ partitions: 60, periods: 80 });
  });

  const run = (extra: Partial<Parameters<typeof trainAndReadManifest>[0]> = {}) =>
    trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      ...extra,
    });

  it('gives every partition a status and writes a loadable artifact for every ok one', async () => {
    const result = await run({ runId: 'all' });
    const catalog = await listPartitions(lake.layout.prepared);
    expect(result.manifest.partitions.map((p) => p.name)).toEqual(catalog.map((p) => p.name));
    expect(result.manifest.totals.ok).toBeGreaterThan(50);
    for (const record of result.manifest.partitions.filter((p) => p.status === 'ok')) {
      expect(record.artifact).toMatch(/^packs\/[0-9a-f]{16}\.jsonl#\d+\+\d+$/);
      const artifact: ModelArtifact = await readArtifact(result.runDir, record.artifact!);
      expect(artifact.name).toBe(record.name);
      expect(artifact.lineage.runId).toBe('all');
      expect(loadModel(artifact.model).kind).toBe(record.chosen);
      expect(Object.keys(record.metrics ?? {})).toContain(artifact.baseline);
    }
    for (const record of result.manifest.partitions.filter((p) => p.status !== 'ok')) {
      expect(record.reason ?? record.error?.message).toBeTruthy();
    }
    expect(result.passed).toBe(true);
  });

  it('isolates a partition that throws and one whose worker dies; the run goes on', async () => {
    const [victim, other] = (await listPartitions(lake.layout.prepared, (p) => p.status === 'ok')).map(
      (p) => p.name,
    );
    process.env.MM_FAILPOINT = `throw:${victim}`;
    try {
      const result = await run({ runId: 'throws' });
      const failed = result.manifest.partitions.filter(
        (p) => p.status === 'failed' && p.error?.class !== 'ValidationError',
      );
      expect(failed.map((p) => p.name)).toEqual([victim]);
      expect(failed[0]!.error).toEqual({ class: 'Error', message: `failpoint: ${victim}` });
    } finally {
      delete process.env.MM_FAILPOINT;
    }
    process.env.MM_FAILPOINT = `exit:${other}`;
    try {
      const result = await run({ runId: 'dies' });
      const died = result.manifest.partitions.filter((p) => p.error?.class === 'WorkerError');
      // The whole batch of the dead worker fails, and only that batch.
      expect(died.map((p) => p.name)).toContain(other);
      expect(died.length).toBeLessThanOrEqual(lake.config.engine.batchSize);
      expect(result.manifest.totals.ok).toBeGreaterThan(60 - lake.config.engine.batchSize - 5);
    } finally {
      delete process.env.MM_FAILPOINT;
    }
  });

  it('fails the run only above engine.maxFailedShare', async () => {
    const result = await run({
      runId: 'strict',
      config: { ...lake.config, engine: { ...lake.config.engine, maxFailedShare: 0 } },
    });
    const anyFailed = result.manifest.totals.failed > 0;
    expect(result.passed).toBe(!anyFailed);
    process.env.MM_FAILPOINT = `throw:${result.manifest.partitions.find((p) => p.status === 'ok')!.name}`;
    try {
      const strict = await run({
        runId: 'strict2',
        config: { ...lake.config, engine: { ...lake.config.engine, maxFailedShare: 0 } },
      });
      expect(strict.passed).toBe(false);
      expect(strict.failedShare).toBeGreaterThan(0);
    } finally {
      delete process.env.MM_FAILPOINT;
    }
  });

  it('retrains only the failures with onlyFailed', async () => {
    const victim = (await listPartitions(lake.layout.prepared, (p) => p.status === 'ok'))[3]!.name;
    process.env.MM_FAILPOINT = `throw:${victim}`;
    try {
      await run({ runId: 'retry' });
    } finally {
      delete process.env.MM_FAILPOINT;
    }
    const again = await run({ runId: 'retry', onlyFailed: true });
    expect(again.trainedNow).toBe(1);
    expect(again.manifest.partitions.find((p) => p.name === victim)?.status).toBe('ok');
  });

  it('splits into disjoint shards whose merged manifest equals the single-process run', async () => {
    const single = await run({ runId: 'single' });
    const names = new Set<string>();
    for (let index = 0; index < 3; index++) {
      const shard = await run({ runId: 'sharded', shard: { index, count: 3 } });
      for (const p of shard.manifest.partitions) {
        expect(names.has(p.name)).toBe(false);
        names.add(p.name);
      }
    }
    const merged = await mergeRun(lake.layout.runs, 'sharded', 3);
    expect(names.size).toBe(single.manifest.partitions.length);
    expect(comparable(merged.partitions)).toEqual(comparable(single.manifest.partitions));
    const singleRefs = new Map(single.manifest.partitions.map((p) => [p.name, p.artifact]));
    for (const p of merged.partitions.filter((r) => r.status === 'ok').slice(0, 10)) {
      expect(await modelOf(lake.layout.run('sharded'), p.artifact!)).toEqual(
        await modelOf(single.runDir, singleRefs.get(p.name)!),
      );
    }
    expect(merged.totals).toEqual(single.manifest.totals);
    expect(existsSync(path.join(lake.layout.run('sharded'), 'manifest.json'))).toBe(true);
  });

  it('refuses to overwrite a run, to retry failures of a run that does not exist, and to merge an incomplete shard set', async () => {
    await expect(run({ runId: 'all' })).rejects.toThrow(/already exists.*--resume/);
    await expect(run({ runId: 'nope', onlyFailed: true })).rejects.toThrow(RunError);
    // Resuming a run that never wrote a journal starts it, so a retried pipeline job can always pass --resume.
    expect((await run({ runId: 'fresh', resume: true })).trainedNow).toBeGreaterThan(0);
    await run({ runId: 'half', shard: { index: 0, count: 2 } });
    await expect(mergeRun(lake.layout.runs, 'half', 2)).rejects.toThrow(/shard 1\/2 of run half/);
  });

  it('writes one pack per batch, with no temporary files, and every packed artifact is referenced once', async () => {
    const runDir = lake.layout.run('all');
    const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as {
      partitions: PartitionRecord[];
    };
    const refs = manifest.partitions.flatMap((p) => (p.artifact ? [p.artifact] : []));
    const packs = readdirSync(path.join(runDir, 'packs'));
    expect(packs.every((f) => /^[0-9a-f]{16}\.jsonl$/.test(f))).toBe(true);
    // One file per batch (batches of 16), not per model.
    expect(packs.length).toBeLessThan(refs.length / 4);
    const lines = packs.flatMap((f) =>
      readFileSync(path.join(runDir, 'packs', f), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).name),
    );
    expect(lines.sort()).toEqual(
      manifest.partitions
        .filter((p) => p.artifact)
        .map((p) => p.name)
        .sort(),
    );
    expect(new Set(refs).size).toBe(refs.length);
    expect(existsSync(path.join(runDir, 'models'))).toBe(false);
  });
});
