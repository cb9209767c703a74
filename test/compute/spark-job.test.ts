import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArtifactRef } from '../../src/artifacts/pack.ts';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { runCli } from '../../src/cli/run.ts';
import { databricksCompute } from '../../src/compute/databricks/compute.ts';
import { listPartitions } from '../../src/data/catalog.ts';
import { openDuck, queryRows } from '../../src/data/duckdb.ts';
import { literal } from '../../src/data/sql.ts';
import type { PartitionRecord } from '../../src/engine/manifest.ts';
import { readManifest, trainAndReadManifest } from '../../src/engine/run.ts';
import { LocalLakeSession } from '../../src/lake/local-session.ts';
import { scoreRun } from '../../src/scoring/score.ts';
import type { LakeSession, StageContext } from '../../src/stages/ports.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { DatabricksJobsSimulator } from '../../twin/databricks/jobs-server.ts';
import { preparedLake } from '../engine/fixture.ts';
import { venvPython } from '../pipelines/python.ts';

const python = venvPython();
const repoRoot = path.resolve(import.meta.dirname, '../..');
const job = path.join(repoRoot, 'pipelines/spark/mm_spark.py');

afterEach(() => {
  delete process.env.MM_LAKE_ROOT;
});

/**
 * Runs the Spark job in local[2] (one JVM at a time: the tests of this file run one after another on a shared
 * machine) and returns its exit code and log tail; the whole log is kept next to the lake.
 */
function sparkJob(args: string[], lakeRoot: string, script = job): { status: number | null; tail: string } {
  const placed = args.includes('--lake')
    ? args
    : [...args, '--lake', lakeRoot, '--node', process.execPath, '--app-root', repoRoot];
  const result = spawnSync(python!, [script, ...placed, '--master', 'local[2]'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYSPARK_PYTHON: python! },
  });
  const log = `${result.stdout}\n${result.stderr}`;
  writeFileSync(path.join(lakeRoot, `spark-${args[0]}.log`), log);
  return { status: result.status, tail: log.slice(-4000) };
}

/** What must not depend on who trained: everything but timings and artifact locations. */
function comparable(r: PartitionRecord) {
  return {
    name: r.name,
    key: r.key,
    status: r.status,
    chosen: r.chosen,
    baseline: r.baseline,
    metrics: r.metrics,
    observations: r.observations,
    reason: r.reason,
    error: r.error,
  };
}

async function predictions(file: string) {
  const duck = await openDuck({ threads: 1, memoryLimit: '256MB' });
  try {
    return await queryRows(
      duck.connection,
      `SELECT * EXCLUDE (run_id, scored_at) FROM read_parquet(${literal(file)}) ORDER BY model_name, WeekStarting`,
    );
  } finally {
    duck.close();
  }
}

/** The lake as a folder this machine and the simulated cluster share: nothing to pull or push. */
function folderLake(root: string): LakeSession {
  return new LocalLakeSession(root);
}

describe.skipIf(!python)(
  'the Spark job on a real local Spark (pipelines/spark/mm_spark.py, local[2])',
  () => {
    it('given a prepared lake of 4 hash buckets, when Spark trains it, then its manifest lists the same partitions with the same chosen models and metrics as the in-process mm train, and evaluate-and-promote, score and report read it unchanged', async () => {
      const lake = await preparedLake({ partitions: 24, periods: 70, buckets: 4 });
      const local = await trainAndReadManifest({
        config: lake.config,
        preparedDir: lake.layout.prepared,
        runsDir: lake.layout.runs,
        runId: 'in-process',
      });

      const train = sparkJob(
        ['train', '--config', lake.configPath, '--run', 'on-spark', '--no-register'],
        lake.root,
      );
      expect(train.status, train.tail).toBe(0);

      const spark = await readManifest(path.join(lake.layout.run('on-spark'), 'manifest.json'));
      expect(spark.runId).toBe('on-spark');
      expect(spark.dataFingerprint).toBe(local.manifest.dataFingerprint);
      expect(spark.totals).toEqual(local.manifest.totals);
      expect(spark.partitions.map(comparable)).toEqual(local.manifest.partitions.map(comparable));
      expect(spark.totals.ok).toBeGreaterThan(20);
      // Every ok record points at its artifact, published into the run folder from the executor that trained it.
      for (const r of spark.partitions.filter((p) => p.status === 'ok')) {
        const ref = parseArtifactRef(r.artifact!);
        const bytes = readFileSync(path.join(lake.layout.run('on-spark'), ref.file));
        const text = ref.range
          ? bytes.subarray(ref.range.offset, ref.range.offset + ref.range.length).toString('utf8')
          : bytes.toString('utf8');
        expect((JSON.parse(text) as { name: string }).name).toBe(r.name);
      }

      // The downstream stages do not care who trained: promote the Spark run, then score it both ways. The mm
      // commands see this lake as a cluster node sees its mounted one.
      process.env.MM_LAKE_ROOT = lake.root;
      const common = ['--config', lake.configPath, '--env', 'local'];
      expect(await runCli(['evaluate-and-promote', ...common, '--run', 'on-spark'])).toBe(0);
      const future = path.join(lake.layout.raw, 'sales.future.parquet');
      await scoreRun({
        config: lake.config,
        preparedDir: lake.layout.prepared,
        predictionsDir: lake.layout.predictions,
        warehousePath: lake.layout.warehouse,
        futurePath: future,
        runId: 'score-in-process',
      });
      const score = sparkJob(
        ['score', '--config', lake.configPath, '--run', 'score-on-spark', '--future', future],
        lake.root,
      );
      expect(score.status, score.tail).toBe(0);
      expect(score.tail).toMatch(/scored 24 partitions on Spark: \d+ ok/);

      const expected = await predictions(
        path.join(lake.layout.predictions, 'run_id=score-in-process', '*.parquet'),
      );
      expect(expected.length).toBeGreaterThan(24 * 4);
      expect(
        await predictions(path.join(lake.layout.predictions, 'run_id=score-on-spark', '*.parquet')),
      ).toEqual(expected);

      expect(await runCli(['report', ...common, '--run', 'on-spark'])).toBe(0);
    }, 1_200_000);

    it('given compute.engine databricks and a workspace whose job cluster is this machine, when the train stage runs there, then the submitted task runs the Spark job as submitted and the stage reads back the run it wrote', async () => {
      const lake = await preparedLake({ partitions: 12, periods: 60, buckets: 2 });
      // The dataset config travels in the app bundle: it must be a path inside the project.
      mkdirSync(path.join(repoRoot, '.mm'), { recursive: true });
      const configDir = mkdtempSync(path.join(repoRoot, '.mm', 'test-spark-'));
      const configPath = path.relative(repoRoot, path.join(configDir, 'config.yaml'));
      copyFileSync(lake.configPath, path.join(repoRoot, configPath));

      const volume = '/Volumes/mm/lake/lake';
      const onThisMachine = (p: string) =>
        p
          .replace(volume, lake.root)
          .replace('/opt/mm/node/bin/node', process.execPath)
          .replace('/opt/mm/app', repoRoot);
      const workspace = new DatabricksJobsSimulator({
        tokens: ['pipeline-token'],
        // The job cluster: the submitted spark_python_task with its own parameters, the cluster's paths mapped here.
        execute: async (submitted) => {
          const task = (
            submitted.tasks as { spark_python_task: { python_file: string; parameters: string[] } }[]
          )[0]!;
          const run = sparkJob(
            task.spark_python_task.parameters.map(onThisMachine),
            lake.root,
            onThisMachine(task.spark_python_task.python_file),
          );
          return run.status === 0
            ? { result: 'SUCCESS' }
            : { result: 'FAILED', message: run.tail.slice(-500) };
        },
      });
      const url = await workspace.start();
      const logged: string[] = [];
      try {
        const compute = databricksCompute(
          {
            workspaceUrl: url,
            sparkVersion: '15.4.x-scala2.12',
            nodeType: 'Standard_D4ds_v5',
            workers: 2,
            runtimeVolume: '/Volumes/mm/runtime/files/test',
            lakeVolume: volume,
            runAs: '11111111-2222-3333-4444-555555555555',
          },
          {
            ca: workspace.ca,
            credential: staticTokenCredential('pipeline-token'),
            poller: { intervalMs: 200 },
          },
        );
        const context: StageContext = {
          config: lake.config,
          source: { configPath, env: 'local' },
          lake: folderLake(lake.root),
          compute,
          progress: silentProgress,
          log: (line) => logged.push(line),
          output: () => {},
        };
        const outcome = await compute.train(context, {
          runId: 'via-databricks',
          resume: false,
          onlyFailed: false,
        });

        expect(outcome.registered).toBe(false);
        expect(outcome.manifest?.runId).toBe('via-databricks');
        expect(outcome.manifest?.partitions.map((p) => p.name)).toEqual(
          (await listPartitions(lake.layout.prepared)).map((p) => p.name),
        );
        expect(outcome.manifest?.totals.ok).toBeGreaterThan(8);
        expect(logged[0]).toMatch(/^databricks: train of run via-databricks submitted as job \d+$/);
        expect(logged.at(-1)).toMatch(/job \d+ TERMINATED\/SUCCESS$/);
      } finally {
        await workspace.stop();
        rmSync(configDir, { recursive: true, force: true });
      }
    }, 1_200_000);
  },
);
