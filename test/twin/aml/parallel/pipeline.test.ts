import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadPipelineSpec, withParallelKnobs } from '../../../../src/compute/aml-parallel-spec.ts';
import type { PartitionRecord, RunManifest } from '../../../../src/engine/manifest.ts';
import { LocalModelRegistry } from '../../../../src/registry/local.ts';
import type { EntryProcess } from '../../../../twin/aml/parallel/entry-process.ts';
import { runPipelineJob } from '../../../../twin/aml/parallel/pipeline.ts';
import type { ParallelEvent } from '../../../../twin/aml/parallel/runner.ts';
import { type LakeFixture, preparedLake } from '../../../engine/fixture.ts';
import { venvPython } from '../../../pipelines/python.ts';

const python = venvPython();
const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const BUCKETS = 64;

/** The train pipeline YAML with these knobs, in a copy of pipelines/ (its `code: ./parallel` stays valid). */
function trainPipeline(
  dir: string,
  knobs: { miniBatchErrorThreshold: number; errorThreshold: number; maxRetries?: number },
): string {
  const copy = path.join(dir, 'pipelines');
  cpSync(path.join(repoRoot, 'pipelines'), copy, { recursive: true });
  const spec = withParallelKnobs(loadPipelineSpec(path.join(copy, 'train-pipeline.yml')), {
    instanceCount: 2,
    processesPerNode: 2,
    maxRetries: 3,
    timeoutSeconds: 600,
    loggingLevel: 'INFO',
    ...knobs,
  });
  const file = path.join(copy, 'train-pipeline.yml');
  writeFileSync(file, stringify(spec));
  return file;
}

describe.skipIf(!python)(
  'the train pipeline on the twin: parallel step on 2 nodes x 2 processes, then merge and register',
  () => {
    let lake: LakeFixture;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      lake = await preparedLake({ partitions: 384, periods: 60, buckets: BUCKETS });
      // The runtime image puts `mm` on PATH and the app in MM_APP_ROOT; here both are this checkout.
      const bin = mkdtempSync(path.join(tmpdir(), 'mm-bin-'));
      writeFileSync(
        path.join(bin, 'mm'),
        `#!/bin/sh\nexec "${process.execPath}" "${repoRoot}/bin/mm.js" "$@"\n`,
      );
      chmodSync(path.join(bin, 'mm'), 0o755);
      env = { PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH}`, MM_APP_ROOT: repoRoot };
    }, 180_000);

    const run = (file: string, runId: string, extra: Partial<Parameters<typeof runPipelineJob>[0]> = {}) => {
      const workDir = mkdtempSync(path.join(tmpdir(), 'mm-job-'));
      return runPipelineJob({
        file,
        inputs: { config: lake.configPath, env: 'local', run_id: runId },
        datastores: { mm_lake: lake.root },
        workDir,
        python: python!,
        env,
        ...extra,
      });
    };
    const manifestOf = (runId: string) =>
      JSON.parse(readFileSync(path.join(lake.layout.runs, runId, 'manifest.json'), 'utf8')) as RunManifest;
    const expectEveryPartitionOnce = (manifest: RunManifest) => {
      const names = manifest.partitions.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.length).toBe(384);
    };

    it('completes over a lake of 64 buckets, every process taking mini-batches, and registers the run', async () => {
      const dispatched: ParallelEvent[] = [];
      const result = await run(
        trainPipeline(lake.root, { miniBatchErrorThreshold: 0, errorThreshold: 0 }),
        'r-ok',
        {
          onEvent: (_, e) => e.type === 'dispatched' && dispatched.push(e),
        },
      );
      expect(result.status).toBe('Completed');
      const step = result.steps.train_buckets!.parallel!;
      // 64 bucket files + catalog.parquet, meta.json, validation.json: one file per mini-batch.
      // Every one of the 64 buckets has a file; with catalog.parquet, meta.json and validation.json, one file per mini-batch.
      const bucketFiles = readdirSync(lake.layout.prepared).filter((f) => f.startsWith('bucket='));
      expect(bucketFiles).toHaveLength(BUCKETS);
      expect(step.miniBatches.total).toBe(
        readdirSync(lake.layout.prepared, { recursive: true }).filter((f) => String(f).includes('.')).length,
      );
      expect(step.miniBatches.failed).toBe(0);
      const slots = new Set(dispatched.map((e) => e.type === 'dispatched' && `${e.node}/${e.process}`));
      expect(slots.size).toBe(4);
      expect(result.steps.merge_register!.exitCode).toBe(0);
      const manifest = manifestOf('r-ok');
      expectEveryPartitionOnce(manifest);
      expect(manifest.totals.ok).toBeGreaterThan(360);
      const registered = readFileSync(result.steps.merge_register!.log, 'utf8');
      expect(registered).toMatch(new RegExp(`registered ${manifest.totals.ok} new model versions`));
    }, 600_000);

    it('given one process killed mid-batch, retries that mini-batch and still has every partition once', async () => {
      const processes = new Map<number, EntryProcess>();
      const events: ParallelEvent[] = [];
      let victim: number | undefined;
      const result = await run(
        trainPipeline(lake.root, { miniBatchErrorThreshold: 0, errorThreshold: 0 }),
        'r-kill',
        {
          onProcess: (p) => processes.set(p.pid, p),
          onEvent: (_, e) => {
            events.push(e);
            if (e.type === 'dispatched' && victim === undefined && e.files[0]!.includes('bucket=010')) {
              victim = e.miniBatch;
              processes.get(e.pid)!.kill();
            }
          },
        },
      );
      expect(victim).toBeDefined();
      const failed = events.filter((e) => e.type === 'attempt-failed' && e.miniBatch === victim);
      expect(failed).toEqual([expect.objectContaining({ attempt: 1, willRetry: true })]);
      expect(events.filter((e) => e.type === 'dispatched' && e.miniBatch === victim)).toHaveLength(2);
      expect(result.status).toBe('Completed');
      expectEveryPartitionOnce(manifestOf('r-kill'));
    }, 600_000);

    it('given a bucket that always fails, fails past error_threshold 0, and within a threshold of 1 completes with that bucket reported; a resubmission trains only what is missing', async () => {
      const bucket = path.join(lake.layout.prepared, 'bucket=005', 'part.parquet');
      const good = readFileSync(bucket);
      writeFileSync(bucket, 'this is not parquet');
      try {
        const strict = await run(
          trainPipeline(mkdtempSync(path.join(tmpdir(), 'mm-y-')), {
            miniBatchErrorThreshold: 0,
            errorThreshold: 0,
          }),
          'r-bad',
        );
        expect(strict.status).toBe('Failed');
        const failure = strict.steps.train_buckets!.parallel!;
        expect(failure.reason).toMatch(/above mini_batch_error_threshold 0/);
        expect(failure.failures).toEqual([
          expect.objectContaining({
            files: [bucket],
            attempts: 3,
            error: expect.stringMatching(/buckets \[5\]/),
          }),
        ]);
        expect(strict.steps.merge_register).toBeUndefined();

        const tolerant = await run(
          trainPipeline(mkdtempSync(path.join(tmpdir(), 'mm-y-')), {
            miniBatchErrorThreshold: 1,
            errorThreshold: 1,
          }),
          'r-bad',
        );
        expect(tolerant.status).toBe('Completed');
        const manifest = manifestOf('r-bad');
        expectEveryPartitionOnce(manifest);
        const lost = manifest.partitions.filter((p) => p.error?.class === 'MiniBatchFailed');
        expect(lost.length).toBeGreaterThan(0);
        expect(lost[0]!.error!.message).toMatch(/bucket=005/);
      } finally {
        writeFileSync(bucket, good);
      }
      // The bucket is repaired; the failed run is resubmitted under a new job (new work folder), same run id.
      const before = new Map(
        manifestOf('r-bad').partitions.map((p): [string, PartitionRecord] => [p.name, p]),
      );
      const again = await run(
        trainPipeline(mkdtempSync(path.join(tmpdir(), 'mm-y-')), {
          miniBatchErrorThreshold: 0,
          errorThreshold: 0,
        }),
        'r-bad',
      );
      expect(again.status).toBe('Completed');
      const after = manifestOf('r-bad');
      expectEveryPartitionOnce(after);
      expect(after.partitions.filter((p) => p.error?.class === 'MiniBatchFailed')).toEqual([]);
      // Buckets done before are answered from their journals: the very same records, training time included.
      const kept = after.partitions.filter((p) => before.get(p.name)?.status === 'ok');
      expect(kept.length).toBeGreaterThan(300);
      for (const p of kept) expect(p).toEqual(before.get(p.name));
      expect(existsSync(path.join(lake.layout.runs, 'r-bad', 'manifest.buckets-005.json'))).toBe(true);
    }, 900_000);
  },
);

/** Partition names of the complete journal lines (a process killed mid-write leaves a torn line, skipped). */
function namesIn(journal: string): string[] {
  return journal.split('\n').flatMap((line) => {
    try {
      return [(JSON.parse(line) as PartitionRecord).name];
    } catch {
      return [];
    }
  });
}

describe.skipIf(!python)('a worker process lost in the middle of training its bucket, on the twin', () => {
  let lake: LakeFixture;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // Two big buckets trained in batches of 4: the journal grows batch by batch while a mini-batch runs.
    lake = await preparedLake({ partitions: 400, periods: 60, buckets: 2, batchSize: 4 });
    const bin = mkdtempSync(path.join(tmpdir(), 'mm-bin-'));
    writeFileSync(
      path.join(bin, 'mm'),
      `#!/bin/sh\nexec "${process.execPath}" "${repoRoot}/bin/mm.js" "$@"\n`,
    );
    chmodSync(path.join(bin, 'mm'), 0o755);
    env = { PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH}`, MM_APP_ROOT: repoRoot };
  }, 180_000);

  it('retries that mini-batch, which trains the bucket again from what was published (nothing), and has every partition once', async () => {
    const file = trainPipeline(mkdtempSync(path.join(tmpdir(), 'mm-y-')), {
      miniBatchErrorThreshold: 0,
      errorThreshold: 0,
    });
    const runDir = path.join(lake.layout.runs, 'r-mid');
    // The entry script runs each mini-batch in a folder of its own on the node's disk (TMPDIR) and publishes it
    // whole once the engine answered: watch the engine's journal there.
    const scratch = mkdtempSync(path.join(tmpdir(), 'mm-node-disk-'));
    const processes = new Map<number, EntryProcess>();
    const events: ParallelEvent[] = [];
    let victim: number | undefined;
    let victimPid: number | undefined;
    let beforeLoss: string[] = [];
    // Polled, not watched: a recursive watch over a folder the engine fills with files costs more than it tells.
    const poll = setInterval(() => {
      if (victimPid === undefined || beforeLoss.length > 0) return;
      for (const batch of readdirSync(scratch)) {
        const journal = path.join(scratch, batch, 'r-mid', 'journal.buckets-000.jsonl');
        const names = existsSync(journal) ? namesIn(readFileSync(journal, 'utf8')) : [];
        if (names.length < 8) continue;
        beforeLoss = names;
        processes.get(victimPid)!.kill();
        clearInterval(poll);
      }
    }, 20);
    const result = await runPipelineJob({
      file,
      inputs: { config: lake.configPath, env: 'local', run_id: 'r-mid' },
      datastores: { mm_lake: lake.root },
      workDir: mkdtempSync(path.join(tmpdir(), 'mm-job-')),
      python: python!,
      env: { ...env, TMPDIR: scratch },
      onProcess: (p) => processes.set(p.pid, p),
      onEvent: (_, e) => {
        events.push(e);
        if (e.type !== 'dispatched' || victim !== undefined || !e.files[0]!.includes('bucket=000')) return;
        victim = e.miniBatch;
        victimPid = e.pid;
      },
    });
    clearInterval(poll);
    expect(victim).toBeDefined();
    expect(beforeLoss.length, 'the process was killed mid-bucket').toBeGreaterThanOrEqual(8);
    const bucket = JSON.parse(
      readFileSync(path.join(runDir, 'manifest.buckets-000.json'), 'utf8'),
    ) as RunManifest;
    expect(beforeLoss.length, 'killed before the bucket was done').toBeLessThan(bucket.partitions.length);
    expect(events.filter((e) => e.type === 'attempt-failed' && e.miniBatch === victim)).toEqual([
      expect.objectContaining({ attempt: 1, willRetry: true }),
    ]);
    expect(events.filter((e) => e.type === 'dispatched' && e.miniBatch === victim)).toHaveLength(2);
    expect(result.status).toBe('Completed');
    const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as RunManifest;
    const names = manifest.partitions.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(400);
    // The lost attempt published nothing: the bucket's published journal holds each of its partitions once.
    const published = namesIn(readFileSync(path.join(runDir, 'journal.buckets-000.jsonl'), 'utf8'));
    expect(new Set(published).size).toBe(published.length);
    for (const p of bucket.partitions.filter((r) => r.status === 'ok')) expect(published).toContain(p.name);
  }, 600_000);
});

describe.skipIf(!python)('a node lost mid-train, then the same run submitted again (issue 13)', () => {
  it('fails the first job, completes the rerun under the same run id, and registers each model once', async () => {
    const lake = await preparedLake({ partitions: 96, periods: 60, buckets: 8 });
    const bin = mkdtempSync(path.join(tmpdir(), 'mm-bin-'));
    writeFileSync(
      path.join(bin, 'mm'),
      `#!/bin/sh\nexec "${process.execPath}" "${repoRoot}/bin/mm.js" "$@"\n`,
    );
    chmodSync(path.join(bin, 'mm'), 0o755);
    const env = {
      PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH}`,
      MM_APP_ROOT: repoRoot,
    };
    const submit = (onProcess?: (p: EntryProcess) => void, onEvent?: (e: ParallelEvent) => void) =>
      runPipelineJob({
        // No retries: a lost node's mini-batch fails the job, as a preempted low-priority node can.
        file: trainPipeline(mkdtempSync(path.join(tmpdir(), 'mm-y-')), {
          miniBatchErrorThreshold: 0,
          errorThreshold: 0,
          maxRetries: 0,
        }),
        inputs: { config: lake.configPath, env: 'local', run_id: 'r-node' },
        datastores: { mm_lake: lake.root },
        workDir: mkdtempSync(path.join(tmpdir(), 'mm-job-')),
        python: python!,
        env,
        ...(onProcess ? { onProcess } : {}),
        ...(onEvent ? { onEvent: (_: unknown, e: ParallelEvent) => onEvent(e) } : {}),
      });
    const processes = new Map<number, EntryProcess>();
    let killed = 0;
    const lost = await submit(
      (p) => processes.set(p.pid, p),
      (e) => {
        // Node 1 is gone: each of its processes dies as it takes a bucket.
        if (e.type !== 'dispatched' || e.node !== 1) return;
        killed++;
        processes.get(e.pid)?.kill();
      },
    );
    expect(killed).toBeGreaterThan(0);
    expect(lost.status).toBe('Failed');
    expect(lost.steps.merge_register).toBeUndefined();

    const again = await submit();
    expect(again.status).toBe('Completed');
    const manifest = JSON.parse(
      readFileSync(path.join(lake.layout.runs, 'r-node', 'manifest.json'), 'utf8'),
    ) as RunManifest;
    const names = manifest.partitions.map((p) => p.name);
    expect(new Set(names).size).toBe(96);
    expect(names).toHaveLength(96);
    const dev = new LocalModelRegistry({ root: lake.root, stage: 'dev' });
    const ok = manifest.partitions.filter((p) => p.status === 'ok');
    expect(ok.length).toBeGreaterThan(80);
    for (const p of ok) {
      const latest = await dev.latest(p.name);
      expect(latest, p.name).toMatchObject({ version: 1, tags: { 'mm.run.id': 'r-node' } });
    }
  }, 600_000);
});
