import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import { openDuck, queryRows } from '../../src/data/duckdb.ts';
import { literal } from '../../src/data/sql.ts';
import type { PartitionRecord } from '../../src/engine/manifest.ts';
import { readManifest, trainRun } from '../../src/engine/run.ts';
import { scoreRun } from '../../src/scoring/score.ts';
import { preparedLake } from '../engine/fixture.ts';
import { venvPython } from '../pipelines/python.ts';

const python = venvPython();
const repoRoot = path.resolve(import.meta.dirname, '../..');
const job = path.join(repoRoot, 'pipelines/spark/mm_spark.py');

afterEach(() => {
  delete process.env.MM_LAKE_ROOT;
});

/** Runs the Spark job in local[2] (one JVM; the machine is shared) and returns its exit code and log tail. */
function sparkJob(args: string[], lakeRoot: string): { status: number | null; tail: string } {
  const result = spawnSync(
    python!,
    [
      job,
      ...args,
      '--lake',
      lakeRoot,
      '--master',
      'local[2]',
      '--node',
      process.execPath,
      '--app-root',
      repoRoot,
    ],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PYSPARK_PYTHON: python! },
    },
  );
  const log = `${result.stdout}\n${result.stderr}`;
  writeFileSync(path.join(lakeRoot, `spark-${args[0]}.log`), log);
  return { status: result.status, tail: log.slice(-4000) };
}

/** What must not depend on who trained: everything but timings and artifact lineage. */
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

describe.skipIf(!python)(
  'the Spark job on a real local Spark (pipelines/spark/mm_spark.py, local[2])',
  () => {
    it('given a prepared lake of 4 hash buckets, when Spark trains it, then its manifest lists the same partitions with the same chosen models and metrics as the in-process mm train, and evaluate-and-promote, score and report read it unchanged', async () => {
      const lake = await preparedLake({ partitions: 24, periods: 70, buckets: 4 });
      const local = await trainRun({
        config: lake.config,
        preparedDir: lake.layout.prepared,
        runsDir: lake.layout.runs,
        runId: 'in-process',
        progress: 'silent',
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
      for (const r of spark.partitions.filter((p) => p.status === 'ok')) {
        expect(existsSync(path.join(lake.layout.run('on-spark'), r.artifact!)), r.name).toBe(true);
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
        progress: 'silent',
      });
      const score = sparkJob(
        ['score', '--config', lake.configPath, '--run', 'score-on-spark', '--future', future],
        lake.root,
      );
      expect(score.status, score.tail).toBe(0);
      expect(score.tail).toMatch(/scored 24 partitions on Spark: \d+ ok/);

      const scored = path.join(lake.layout.predictions, 'run_id=score-on-spark', '*.parquet');
      const expected = await predictions(
        path.join(lake.layout.predictions, 'run_id=score-in-process', '*.parquet'),
      );
      expect(expected.length).toBeGreaterThan(24 * 4);
      expect(await predictions(scored)).toEqual(expected);

      expect(await runCli(['report', ...common, '--run', 'on-spark'])).toBe(0);
    }, 600_000);
  },
);
