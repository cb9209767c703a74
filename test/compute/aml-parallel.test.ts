import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAmlParallel } from '../../src/compute/aml-parallel.ts';
import type { PipelineJobSpec } from '../../src/compute/aml-parallel-spec.ts';
import { type Config, parallelSchema } from '../../src/config/schema.ts';
import { EXIT } from '../../src/core/errors.ts';
import type { RunManifest } from '../../src/engine/manifest.ts';
import { registerRun } from '../../src/engine/register.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { stageContextFor } from '../../src/stages/context.ts';
import type { StageContext } from '../../src/stages/ports.ts';
import { scoreStage } from '../../src/stages/score.ts';
import { trainStage } from '../../src/stages/train.ts';
import { blobStoreFor } from '../../src/storage/factory.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { twinPipelineService } from '../../twin/aml/parallel/service.ts';
import { type LakeFixture, preparedLake } from '../engine/fixture.ts';
import { venvPython } from '../pipelines/python.ts';
import { twinImage } from '../twin/aml/parallel/twin-env.ts';

const python = venvPython();
const BUCKETS = 8;
/** The environment version the twin's workspace registered for the runtime image. */
const ENVIRONMENT = 'azureml:mm-runtime:i0123456789ab';
const config0 = { parallel: parallelSchema.parse({}) };

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
      environment: ENVIRONMENT,
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

  it('given an earlier job of the run still running or completed, follows it instead of submitting the run again', async () => {
    const { service, jobs } = twinPipelineService({
      datastores: { mm_lake: lake.root },
      python: python!,
      env: image.env,
      environment: ENVIRONMENT,
    });
    const first = runAmlParallel({
      config,
      service,
      lake: blobStoreFor(config),
      stage: 'train',
      runId: 'p-follow',
      source: { configPath: lake.configPath, env: 'local' },
      pipelinesDir: image.pipelinesDir,
      pollIntervalMs: 100,
    });
    // The agent that submitted it "died"; the rerun of the stage starts while the job still runs.
    await new Promise<void>((resolve) => {
      const check = () => (jobs.has('mm-train-p-follow') ? resolve() : setImmediate(check));
      check();
    });
    const log: string[] = [];
    const rerun = await runAmlParallel({
      config,
      service,
      lake: blobStoreFor(config),
      stage: 'train',
      runId: 'p-follow',
      source: { configPath: lake.configPath, env: 'local' },
      pipelinesDir: image.pipelinesDir,
      pollIntervalMs: 100,
      log: (line) => log.push(line),
    });
    await first;
    expect(rerun.jobs).toEqual(['mm-train-p-follow']);
    expect([...jobs.keys()].filter((k) => k.startsWith('mm-train-p-follow'))).toEqual(['mm-train-p-follow']);
    expect(log[0]).toMatch(/mm-train-p-follow exists \(Running\): following it/);
    expect(rerun.manifest!.partitions).toHaveLength(80);
  }, 600_000);
});

describe.skipIf(!python)(
  'mm train / mm score with an Azure environment: the stages on the aml engine, run on the twin',
  () => {
    let lake: LakeFixture;
    let image: ReturnType<typeof twinImage>;
    let config: Config;
    let submitted: { name: string; spec: PipelineJobSpec }[];
    let context: (lines: string[]) => Promise<StageContext>;

    beforeAll(async () => {
      lake = await preparedLake({ partitions: 60, periods: 60, buckets: 6 });
      image = twinImage();
      submitted = [];
      // The environment a stage sees: the lake in ADLS, Azure ML's cluster. Its ADLS client is pointed at the
      // folder the twin's mm_lake datastore maps to; the steps load the fixture's own (local) environment.
      config = {
        ...lake.config,
        storage: {
          kind: 'azure',
          accountUrl: 'https://mmdevlake.blob.core.windows.net',
          container: 'lake',
          cacheRoot: mkdtempSync(path.join(tmpdir(), 'mm-cache-')),
        },
        compute: {
          engine: 'aml',
          cluster: 'cpu-cluster',
          instanceCount: 2,
          identityClientId: '11111111-2222-3333-4444-555555555555',
          parallel: { ...config0.parallel, processesPerNode: 1 },
        },
      };
      const { service } = twinPipelineService({
        datastores: { mm_lake: lake.root },
        python: python!,
        // The steps load the fixture's local environment, whose lake is the folder mm_lake maps to.
        env: { ...image.env, MM_LAKE_ROOT: lake.root },
        environment: ENVIRONMENT,
      });
      const recording = {
        environment: ENVIRONMENT,
        status: service.status,
        submit: async (job: Parameters<typeof service.submit>[0]) => {
          submitted.push(job);
          await service.submit(job);
        },
      };
      context = (lines) =>
        stageContextFor(config, {
          source: { configPath: lake.configPath, env: 'local' },
          blobStore: new FsBlobStore(lake.root),
          pipelines: recording,
          pipelineOptions: { pipelinesDir: image.pipelinesDir, pollIntervalMs: 100 },
          log: (line) => lines.push(line),
          output: (line) => lines.push(line),
        });
    }, 180_000);

    it('trains as the pipeline job, pinned and as the named identity, and reads the registered manifest back', async () => {
      const lines: string[] = [];
      const ctx = await context(lines);
      expect(ctx.compute.name).toBe('aml-parallel');
      const result = await trainStage(ctx, { runId: 't-1' });
      expect(result.manifest?.partitions).toHaveLength(60);
      expect(result.manifest?.totals.ok).toBeGreaterThan(50);
      expect(lines).toContain('mm-train-t-1: Completed');
      expect(lines.some((l) => /run t-1: \d+ ok/.test(l))).toBe(true);
      const [job] = submitted;
      expect(job!.name).toBe('mm-train-t-1');
      for (const step of Object.values(job!.spec.jobs)) {
        const environment =
          step.type === 'parallel' ? (step.task as { environment: string }).environment : step.environment;
        expect(environment).toBe(ENVIRONMENT);
        expect(step.environment_variables).toEqual({
          AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
        });
      }
      expect(job!.spec.jobs.train_buckets).toMatchObject({
        resources: { instance_count: 2 },
        max_concurrency_per_instance: 1,
      });
    }, 600_000);

    it('scores as the pipeline job with the prod models; its last step (mm score --refresh-from-rows) sums the rows up and loads the warehouse', async () => {
      const run = path.join(lake.layout.runs, 't-1');
      const manifest = JSON.parse(readFileSync(path.join(run, 'manifest.json'), 'utf8')) as RunManifest;
      const prod = new LocalModelRegistry({ root: lake.root, stage: 'prod' });
      const ok = manifest.partitions.filter((p) => p.status === 'ok');
      await registerRun({ ...manifest, partitions: ok.slice(1) }, run, prod);
      const lines: string[] = [];
      await scoreStage(await context(lines), { runId: 's-1' });
      expect(lines).toContain('mm-score-s-1: Completed');
      const files = readdirSync(path.join(lake.layout.predictions, 'run_id=s-1')).filter((f) =>
        f.endsWith('.parquet'),
      );
      expect(files).toHaveLength(6);
      const refresh = submitted.find((j) => j.name === 'mm-score-s-1')!;
      expect(refresh.spec.jobs.refresh_synapse).toBeDefined();
      const warehouse = await DuckDBInstance.create(lake.layout.warehouse);
      const db = await warehouse.connect();
      const counted = await db.runAndReadAll(
        "SELECT count(DISTINCT model_name) FROM predictions WHERE run_id = 's-1' AND status = 'ok'",
      );
      expect(Number(counted.getRows()[0]![0])).toBe(ok.length - 1);
      db.closeSync();
    }, 600_000);

    it('refuses --shards: on Azure ML the environment sizes the run', async () => {
      await expect(
        stageContextFor(config, {
          source: { configPath: lake.configPath, env: 'local' },
          blobStore: new FsBlobStore(lake.root),
          shards: 4,
        }),
      ).rejects.toThrow(/--shards runs N engine processes on this machine/);
    });
  },
);
