/**
 * Preparation on Spark, with the rules of `mm prepare` kept in one place: Spark only moves rows. It reads the raw
 * dataset and writes it as shards that each hold whole partitions (hash of the partition columns); every shard is
 * then prepared by the very `prepare()` of src/data (same checks, verdicts, gap filling, names and buckets) into a
 * shard folder; the shards' bucket files are merged bucket by bucket; the driver merges the catalogs, meta and
 * validation reports and swaps the prepared folder in at once, as `mm prepare` does. The steps run as
 * `node src/compute/spark-prepare-step.ts <step>` from pipelines/spark/mm_spark.py (docs/spark.md).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config, DatasetConfig } from '../config/schema.ts';
import { replaceDirAtomically } from '../data/atomic-dir.ts';
import {
  BUCKET_FILE,
  bucketCountFor,
  bucketDir,
  CATALOG_FILE,
  META_FILE,
  REPORT_FILE,
} from '../data/buckets.ts';
import type { DatasetProblem } from '../data/checks.ts';
import { openDuck } from '../data/duckdb.ts';
import { ValidationError } from '../data/errors.ts';
import { fingerprint } from '../data/lake-write.ts';
import { type PreparedMeta, preparedMetaFor } from '../data/meta.ts';
import { prepare } from '../data/prepare.ts';
import { emptyReport, excludedLines, type ValidationReport } from '../data/report.ts';
import { ident, literal } from '../data/sql.ts';
import { writeJsonAtomic } from '../util/atomic.ts';

/** What one shard's preparation left for the driver (`<shard out>/outcome.json`). */
export interface ShardOutcome {
  shard: string;
  buckets: number;
  /** Rows the shard's valid partitions have once prepared (gaps filled): the sum sizes the bucket count. */
  preparedRows: number;
  report: ValidationReport;
}

export const OUTCOME_FILE = 'outcome.json';

/**
 * Prepares one shard (a Parquet file of whole partitions, written by Spark) with `prepare()`. The share of
 * excluded partitions is judged over the whole dataset by the driver, so a shard never fails on it; a shard
 * with dataset-level problems (bad dates, words in number columns, empty keys) records them and writes no lake.
 */
export async function prepareShard(
  config: Config,
  options: { shardFile: string; outDir: string; buckets: number },
): Promise<ShardOutcome> {
  const shardConfig: Config = {
    ...config,
    dataset: { ...config.dataset, path: options.shardFile, format: 'parquet' },
    engine: { ...config.engine, maxFailedShare: 1 },
  };
  await rm(options.outDir, { recursive: true, force: true });
  const lake = path.join(options.outDir, 'prepared');
  const reportPath = path.join(options.outDir, REPORT_FILE);
  let outcome: ShardOutcome;
  try {
    const result = await prepare(shardConfig, {
      outDir: lake,
      reportPath,
      buckets: options.buckets,
      threads: 1,
    });
    outcome = {
      shard: options.shardFile,
      buckets: options.buckets,
      preparedRows: result.meta.rows.prepared,
      report: result.report,
    };
  } catch (error) {
    if (!(error instanceof ValidationError) || !error.report) throw error;
    outcome = {
      shard: options.shardFile,
      buckets: options.buckets,
      preparedRows: 0,
      report: error.report as ValidationReport,
    };
  }
  await writeJsonAtomic(path.join(options.outDir, OUTCOME_FILE), outcome);
  return outcome;
}

/** The shard folders a Spark preparation left under its work folder, in name order. */
export async function shardDirs(workDir: string): Promise<string[]> {
  const root = path.join(workDir, 'shards');
  const names = existsSync(root) ? await readdir(root) : [];
  return names
    .filter((n) => existsSync(path.join(root, n, OUTCOME_FILE)))
    .sort()
    .map((n) => path.join(root, n));
}

async function outcomes(workDir: string): Promise<ShardOutcome[]> {
  const dirs = await shardDirs(workDir);
  return Promise.all(
    dirs.map(async (d) => JSON.parse(await readFile(path.join(d, OUTCOME_FILE), 'utf8')) as ShardOutcome),
  );
}

/** The bucket count `mm prepare` would choose for the prepared rows of all shards together. */
export async function bucketsNeeded(workDir: string): Promise<number> {
  const all = await outcomes(workDir);
  return bucketCountFor(all.reduce((n, o) => n + o.preparedRows, 0));
}

/**
 * Merges the shards' files of the given buckets into `<work>/merged/bucket=NNN/part.parquet`, rows sorted by
 * key text then time: the order, columns and encoding `mm prepare` writes (src/data/lake-write.ts).
 */
export async function mergeBuckets(
  dataset: DatasetConfig,
  options: { workDir: string; buckets: number[] },
): Promise<number[]> {
  const dirs = await shardDirs(options.workDir);
  const duck = await openDuck({ threads: 1 });
  const written: number[] = [];
  try {
    for (const b of options.buckets) {
      const files = dirs
        .map((d) => path.join(d, 'prepared', bucketDir(b), BUCKET_FILE))
        .filter((f) => existsSync(f));
      if (files.length === 0) continue;
      const target = path.join(options.workDir, 'merged', bucketDir(b));
      await mkdir(target, { recursive: true });
      const order = [...dataset.partitionBy, dataset.time].map(ident).join(', ');
      await duck.connection.run(
        `COPY (SELECT * FROM read_parquet([${files.map(literal).join(', ')}], hive_partitioning = false) ORDER BY ${order})
           TO ${literal(path.join(target, BUCKET_FILE))} (FORMAT parquet, COMPRESSION zstd)`,
      );
      written.push(b);
    }
  } finally {
    duck.close();
  }
  return written;
}

function mergeProblems(all: ShardOutcome[]): DatasetProblem[] {
  const merged = new Map<string, DatasetProblem>();
  for (const o of all) {
    for (const p of o.report.datasetProblems) {
      const key = `${p.code}\u0000${p.column ?? ''}`;
      const seen = merged.get(key);
      // Row numbers of examples count within a Spark shard, not the source file: the message says so.
      const where = `in Spark shard ${path.basename(o.shard)}: ${p.message}`;
      if (!seen) {
        merged.set(key, { ...p, message: where });
      } else {
        seen.rows = p.rows === undefined ? seen.rows : (seen.rows ?? 0) + p.rows;
        seen.examples = [...(seen.examples ?? []), ...(p.examples ?? [])].slice(0, 3);
        seen.message = `${seen.message}; ${where}`;
      }
    }
  }
  const total = all.reduce((n, o) => n + o.report.rows, 0);
  // An empty shard says "no rows"; only the whole dataset may.
  return [...merged.values()].filter((p) => p.code !== 'no_rows' || total === 0);
}

function mergeReports(all: ShardOutcome[], source: string, maxFailedShare: number): ValidationReport {
  const report = emptyReport(source, maxFailedShare);
  for (const o of all) {
    const r = o.report;
    report.rows += r.rows;
    report.partitions.total += r.partitions.total;
    report.partitions.ok += r.partitions.ok;
    report.partitions.excluded += r.partitions.excluded;
    report.filled.partitions += r.filled.partitions;
    report.filled.periods += r.filled.periods;
    for (const [status, n] of Object.entries(r.byStatus)) {
      const s = status as keyof ValidationReport['byStatus'];
      report.byStatus[s] = (report.byStatus[s] ?? 0) + (n ?? 0);
    }
    report.excluded.push(...r.excluded);
  }
  report.excluded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  report.excludedShare = report.partitions.excluded / Math.max(report.partitions.total, 1);
  report.datasetProblems = mergeProblems(all);
  return report;
}

export interface SparkPrepareResult {
  report: ValidationReport;
  meta: PreparedMeta;
  reportPath: string;
}

/**
 * The driver's last step: judges the whole dataset as `mm prepare` does (dataset problems, then the share of
 * excluded partitions), and only then swaps in the prepared folder: merged buckets, the catalog of every shard,
 * the meta with the fingerprint over the bucket files, the validation report. On failure the report goes beside
 * the prepared folder, which stays as it was, and a ValidationError (exit code 2) is thrown.
 */
export async function finishSparkPrepare(
  config: Config,
  options: { workDir: string; outDir: string; buckets: number; log?: (line: string) => void },
): Promise<SparkPrepareResult> {
  const dataset = config.dataset;
  const outDir = path.resolve(options.outDir);
  const all = await outcomes(options.workDir);
  const report = mergeReports(all, dataset.path, config.engine.maxFailedShare);
  const failedReportPath = `${outDir}.failed-${REPORT_FILE}`;
  const fail = async (what: string, problems: string[]): Promise<never> => {
    report.failure ??= what;
    await writeJsonAtomic(failedReportPath, report);
    throw new ValidationError(what, problems, report, failedReportPath);
  };
  if (all.length === 0) await fail(`dataset ${dataset.path} failed validation`, ['the dataset has no rows']);
  if (report.datasetProblems.length > 0) {
    await fail(
      `dataset ${dataset.path} failed validation`,
      report.datasetProblems.map((p) => p.message),
    );
  }
  // A shard that failed without a dataset problem (e.g. an unreadable file) fails the whole preparation too.
  const broken = all.filter((o) => !o.report.passed && o.report.datasetProblems.length === 0);
  if (broken.length > 0) {
    await fail(
      `dataset ${dataset.path} failed validation`,
      broken.map((o) => `in Spark shard ${path.basename(o.shard)}: ${o.report.failure ?? 'failed'}`),
    );
  }
  if (report.excludedShare > config.engine.maxFailedShare) {
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    report.failure = `${report.partitions.excluded} of ${report.partitions.total} partitions (${pct(report.excludedShare)}) failed validation, above engine.maxFailedShare ${pct(config.engine.maxFailedShare)}`;
    await fail(
      `dataset ${dataset.path} failed validation: ${report.failure}`,
      excludedLines(report, 20, failedReportPath),
    );
  }
  const wrong = all.find((o) => o.buckets !== options.buckets);
  if (wrong) {
    throw new Error(
      `Spark shard ${wrong.shard} was prepared into ${wrong.buckets} buckets, not ${options.buckets}`,
    );
  }
  report.passed = true;
  const merged = path.join(options.workDir, 'merged');
  const okBuckets = existsSync(merged)
    ? (await readdir(merged))
        .map((n) => /^bucket=(\d+)$/.exec(n))
        .filter((m) => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b)
    : [];
  const catalogs = (await shardDirs(options.workDir))
    .map((d) => path.join(d, 'prepared', CATALOG_FILE))
    .filter((f) => existsSync(f));
  const duck = await openDuck({ threads: 1 });
  try {
    const meta = await replaceDirAtomically(
      outDir,
      async (tmp) => {
        for (const b of okBuckets)
          await rename(path.join(merged, bucketDir(b)), path.join(tmp, bucketDir(b)));
        await duck.connection.run(
          `COPY (SELECT * FROM read_parquet([${catalogs.map(literal).join(', ')}], hive_partitioning = false) ORDER BY name)
             TO ${literal(path.join(tmp, CATALOG_FILE))} (FORMAT parquet, COMPRESSION zstd)`,
        );
        const print = await fingerprint(duck.connection, dataset, tmp, okBuckets);
        const expected = all.reduce((n, o) => n + o.preparedRows, 0);
        if (print.rows !== expected) {
          throw new Error(
            `merged ${print.rows} rows but the shards prepared ${expected}; nothing was replaced`,
          );
        }
        const meta = preparedMetaFor(dataset, options.buckets, print, report);
        await writeJsonAtomic(path.join(tmp, META_FILE), meta);
        await writeJsonAtomic(path.join(tmp, REPORT_FILE), report);
        return meta;
      },
      options.log ? { log: options.log } : {},
    );
    await rm(failedReportPath, { force: true });
    return { report, meta, reportPath: path.join(outDir, REPORT_FILE) };
  } finally {
    duck.close();
  }
}
