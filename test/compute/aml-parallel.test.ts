import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAmlParallel } from '../../src/compute/aml-parallel.ts';
import { AmlParallelCompute } from '../../src/compute/aml-parallel-compute.ts';
import type { Config } from '../../src/config/schema.ts';
import { EXIT } from '../../src/core/errors.ts';
import type { RunManifest } from '../../src/engine/manifest.ts';
import type { StageContext } from '../../src/stages/ports.ts';
import { blobStoreFor } from '../../src/storage/factory.ts';
import { lakeLayout } from '../../src/storage/layout.ts';
import { twinPipelineService } from '../../twin/aml/parallel/service.ts';
import { type LakeFixture, preparedLake } from '../engine/fixture.ts';
import { venvPython } from '../pipelines/python.ts';
import { twinImage } from '../twin/aml/parallel/twin-env.ts';

const python = venvPython();
const BUCKETS = 8;

describe.skipIf(!python)('training as an Azure ML pipeline job (runAmlParallel), on the twin', () => {
  let lake: LakeFixture;
  let image: ReturnType<typeof twinImage>;
  let config: Config;

  beforeAll(async () => {
    lake = await preparedLake({ partitions: 80, periods: 60, buckets: BUCKETS });
    image = twinImage();
    config = {
      ...lake.config,
      compute: {
        engine: 'aml',
        cluster: 'cpu-cluster',
        instanceCount: 2,
        parallel: {
          processesPerNode: 1,
          maxRetries: 2,
          timeoutSeconds: 600,
          miniBatchErrorThreshold: 0,
          errorThreshold: 0,
          loggingLevel: 'INFO',
        },
      },
    };
  }, 180_000);

  const train = (runId: string, beforeRun?: (job: string) => void, resubmits = 1) => {
    const ticks: [number, number][] = [];
    const log: string[] = [];
    const { service } = twinPipelineService({
      datastores: { mm_lake: lake.root },
      python: python!,
      env: image.env,
      ...(beforeRun ? { beforeRun } : {}),
    });
    const run = runAmlParallel({
      config,
      service,
      lake: blobStoreFor(config),
      stage: 'train',
      runId,
      source: { configPath: lake.configPath, env: 'local' },
      pipelinesDir: image.pipelinesDir,
      resubmits,
      pollIntervalMs: 100,
      progress: { tick: (done, failed) => ticks.push([done, failed ?? 0]), stop() {} },
      log: (line) => log.push(line),
    });
    return { run, ticks, log };
  };

  it('submits the train pipeline, follows it bucket by bucket, and returns the merged manifest', async () => {
    const { run, ticks, log } = train('p-ok');
    const outcome = await run;
    expect(outcome.jobs).toEqual(['mm-train-p-ok']);
    expect(outcome).toMatchObject({ buckets: BUCKETS, bucketsDone: BUCKETS });
    expect(outcome.manifest!.partitions).toHaveLength(80);
    expect(ticks.at(-1)).toEqual([BUCKETS, 0]);
    expect(log).toContain('mm-train-p-ok: Completed');
  }, 600_000);

  it('given a pipeline that fails on a bad bucket, resubmits it under a new job name once repaired, and retrains only that bucket', async () => {
    const bucket = path.join(lake.layout.prepared, 'bucket=003', 'part.parquet');
    const good = readFileSync(bucket);
    writeFileSync(bucket, 'not parquet');
    const { run, log } = train('p-again', (job) => {
      if (job.endsWith('-r2')) writeFileSync(bucket, good); // repaired between the two submissions
    });
    const outcome = await run;
    expect(outcome.jobs).toEqual(['mm-train-p-again', 'mm-train-p-again-r2']);
    expect(log.some((l) => /mm-train-p-again ended Failed with \d of 8 buckets done/.test(l))).toBe(true);
    const partitions = outcome.manifest!.partitions;
    expect(partitions).toHaveLength(80);
    expect(partitions.filter((p) => p.status === 'failed' && p.error?.class === 'MiniBatchFailed')).toEqual(
      [],
    );
  }, 900_000);

  it('given a pipeline that keeps failing, stops after the resubmissions with the run-failed exit code', async () => {
    const bucket = path.join(lake.layout.prepared, 'bucket=005', 'part.parquet');
    const good = readFileSync(bucket);
    writeFileSync(bucket, 'not parquet');
    try {
      const { run } = train('p-bad', undefined, 1);
      await expect(run).rejects.toMatchObject({
        exitCode: EXIT.runFailed,
        message: expect.stringMatching(/failed 2 time\(s\) \(mm-train-p-bad, mm-train-p-bad-r2\)/),
      });
    } finally {
      writeFileSync(bucket, good);
    }
    const partial = JSON.parse(
      readFileSync(path.join(lake.layout.runs, 'p-bad', 'manifest.buckets-000.json'), 'utf8'),
    ) as RunManifest;
    expect(partial.partitions.length).toBeGreaterThan(0);
  }, 900_000);

  it('as the aml-parallel Compute of a stage: trains the run on the twin, reads its registered manifest back, refuses --shard', async () => {
    const { service } = twinPipelineService({
      datastores: { mm_lake: lake.root },
      python: python!,
      env: image.env,
    });
    const compute = new AmlParallelCompute(service, blobStoreFor(config), {
      pipelinesDir: image.pipelinesDir,
      pollIntervalMs: 100,
    });
    const lines: string[] = [];
    const context: StageContext = {
      config,
      source: { configPath: lake.configPath, env: 'local' },
      lake: {
        location: lake.root,
        remote: false,
        root: lake.root,
        layout: lakeLayout(lake.root),
        pull: async () => {},
        push: async () => {},
        mirror: async () => {},
      },
      compute,
      progress: () => ({ tick() {}, stop() {} }),
      log: (line) => lines.push(line),
      output: () => {},
    };
    const outcome = await compute.train(context, { runId: 'c-1', resume: false, onlyFailed: false });
    expect(outcome.registered).toBe(true);
    expect(outcome.manifest?.partitions).toHaveLength(80);
    expect(outcome.where).toMatch(/8 buckets on 2 node\(s\) of cpu-cluster \(mm-train-c-1\)/);
    expect(lines).toContain('mm-train-c-1: Completed');
    await expect(
      compute.train(context, {
        runId: 'c-2',
        resume: false,
        onlyFailed: false,
        shard: { index: 0, count: 2 },
      }),
    ).rejects.toThrow(/--shard is not for aml-parallel/);
  }, 600_000);
});
