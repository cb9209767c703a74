import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Config } from '../config/schema.ts';
import { modelName } from '../core/model-name.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { type ProgressFactory, silentProgress } from '../util/progress.ts';
import { replaceDirAtomically } from './atomic-dir.ts';
import { bucketCountFor, bucketOf, META_FILE, REPORT_FILE } from './buckets.ts';
import { checkDataset, type DatasetProblem } from './checks.ts';
import { classifyPartition } from './classify.ts';
import { openDuck } from './duckdb.ts';
import { ValidationError } from './errors.ts';
import {
  createCleanView,
  fingerprint,
  loadPlan,
  type PlannedPartition,
  writeBuckets,
  writeCatalog,
} from './lake-write.ts';
import { type PreparedMeta, preparedMetaFor } from './meta.ts';
import { emptyReport, excludedLines, type ValidationReport } from './report.ts';
import { createRawView, resolveSource } from './source.ts';
import { addDuplicateExamples, partitionStats } from './stats.ts';
import { createTypedView } from './typed.ts';

export interface PrepareOptions {
  /** The prepared folder to (re)place, e.g. `lakeLayout(root).prepared`. */
  outDir: string;
  /** Where the validation report goes; defaults to `<outDir>/validation.json`. Outside outDir it is written on failure too. */
  reportPath?: string;
  /** Reports buckets written; silent by default. */
  progress?: ProgressFactory;
  /** Number of hash buckets; by default about one per 500,000 prepared rows, a power of two. */
  buckets?: number;
  /** DuckDB threads (default: all cores) and memory limit (default 1536MB; beyond it DuckDB spills to disk). */
  threads?: number;
  memoryLimit?: string;
  /** Notes about the lake switch (a crash's leftovers recovered); silent by default. */
  log?: (line: string) => void;
}

export interface PrepareResult {
  outDir: string;
  reportPath: string;
  report: ValidationReport;
  meta: PreparedMeta;
  seconds: number;
  /** Wall seconds per phase: validate (checks + partition stats), write (buckets), finish (catalog, fingerprint, swap). */
  timings: { validate: number; write: number; finish: number };
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function share(part: number, whole: number): string {
  return `${((part / Math.max(whole, 1)) * 100).toFixed(1)} %`;
}

/** Validates and plans: every partition gets a name, a bucket and a verdict. Writes nothing. */
async function plan(
  connection: DuckDBConnection,
  config: Config,
  report: ValidationReport,
  bucketsWanted: number | undefined,
): Promise<{ planned: PlannedPartition[]; buckets: number }> {
  const dataset = config.dataset;
  const source = await resolveSource(connection, dataset);
  await createRawView(connection, source);
  const typed = await checkDataset(connection, dataset, source);
  report.rows = typed.rows;
  await createTypedView(connection, dataset, typed);
  const stats = await partitionStats(connection, dataset, typed);
  await addDuplicateExamples(connection, dataset, stats);
  const rules = {
    frequency: dataset.frequency,
    time: dataset.time,
    features: dataset.features,
    holdout: config.forecast.holdout,
    minTrainPoints: config.forecast.minTrainPoints,
    maxGapShare: config.validation.maxGapShare,
    allowNegativeTarget: config.validation.allowNegativeTarget,
  };
  const verdicts = stats.map((s) => ({
    stats: s,
    verdict: classifyPartition(s, rules),
    name: modelName(s.key),
  }));
  const preparedRows = verdicts.reduce((n, p) => n + (p.verdict.status === 'ok' ? p.verdict.periods : 0), 0);
  const buckets = bucketsWanted ?? bucketCountFor(preparedRows);
  const planned = verdicts.map((p) => ({ ...p, bucket: bucketOf(p.name, buckets) }));
  if (new Set(planned.map((p) => p.name)).size !== planned.length) {
    throw new Error('two partition keys map to the same model name; this is a bug in src/registry/naming.ts');
  }
  return { planned, buckets };
}

function summarise(report: ValidationReport, planned: PlannedPartition[], config: Config): void {
  const keyOf = (values: string[]) =>
    Object.fromEntries(config.dataset.partitionBy.map((c, i) => [c, values[i] ?? '']));
  report.partitions.total = planned.length;
  for (const p of planned) {
    report.byStatus[p.verdict.status] = (report.byStatus[p.verdict.status] ?? 0) + 1;
    if (p.verdict.status === 'ok') {
      report.partitions.ok += 1;
      if (p.verdict.needsFill) {
        report.filled.partitions += 1;
        report.filled.periods += p.verdict.gaps;
      }
    } else {
      report.excluded.push({
        name: p.name,
        key: keyOf(p.stats.key),
        status: p.verdict.status,
        problems: p.verdict.problems,
      });
    }
  }
  report.partitions.excluded = report.excluded.length;
  report.excludedShare = report.excluded.length / Math.max(planned.length, 1);
}

interface LakeInput {
  connection: DuckDBConnection;
  config: Config;
  planned: PlannedPartition[];
  buckets: number;
  report: ValidationReport;
  outDir: string;
  /** Set when the report belongs inside the prepared folder. */
  reportInside: string | null;
  progress: ProgressFactory;
  log?: (line: string) => void;
}

/** Writes the whole prepared folder in a temporary sibling and swaps it in; returns the meta and when the buckets were done. */
async function writeLake(input: LakeInput): Promise<{ meta: PreparedMeta; written: number }> {
  const { connection, config, planned, report } = input;
  const dataset = config.dataset;
  const valid = planned.filter((p) => p.verdict.status === 'ok');
  const okBuckets = [...new Set(valid.map((p) => p.bucket))].sort((a, b) => a - b);
  const expected = valid.reduce((n, p) => n + p.verdict.periods, 0);
  await loadPlan(connection, dataset, planned);
  await createCleanView(connection, dataset);
  const progress = input.progress('prepare', okBuckets.length);
  let written = 0;
  try {
    const meta = await replaceDirAtomically(
      input.outDir,
      async (tmp) => {
        await writeBuckets(connection, dataset, tmp, okBuckets, progress);
        written = performance.now();
        await writeCatalog(connection, dataset, tmp);
        const print = await fingerprint(connection, dataset, tmp, okBuckets);
        if (print.rows !== expected) {
          throw new Error(
            `prepared ${print.rows} rows but planned ${expected}; the prepared data was not replaced`,
          );
        }
        const meta = preparedMetaFor(dataset, input.buckets, print, report);
        await writeJsonAtomic(path.join(tmp, META_FILE), meta);
        if (input.reportInside) await writeJsonAtomic(path.join(tmp, input.reportInside), report);
        return meta;
      },
      input.log ? { log: input.log } : {},
    );
    return { meta, written };
  } finally {
    progress.stop();
  }
}

/**
 * Validates the configured dataset and writes the prepared lake to `outDir` (buckets, catalog, meta, report),
 * replacing any previous one only when everything succeeded. Dataset-level problems, or too many excluded
 * partitions, throw a ValidationError and write nothing to `outDir`.
 */
export async function prepare(config: Config, options: PrepareOptions): Promise<PrepareResult> {
  const started = performance.now();
  const dataset = config.dataset;
  if (options.buckets !== undefined && !(Number.isInteger(options.buckets) && options.buckets >= 1)) {
    throw new RangeError(`buckets must be a positive whole number, got ${options.buckets}`);
  }
  const outDir = path.resolve(options.outDir);
  const reportPath = path.resolve(options.reportPath ?? path.join(outDir, REPORT_FILE));
  const reportInside = isInside(outDir, reportPath) ? path.relative(outDir, reportPath) : null;
  // A failed prepare keeps the previous lake, whose own report stays inside it: this run's report goes beside it.
  const failedReportPath = reportInside ? `${outDir}.failed-${path.basename(reportPath)}` : reportPath;
  const report = emptyReport(dataset.path, config.engine.maxFailedShare);
  const tempDirectory = path.join(os.tmpdir(), `mm-duckdb-${process.pid}-${randomBytes(4).toString('hex')}`);
  const duck = await openDuck({ threads: options.threads, memoryLimit: options.memoryLimit, tempDirectory });
  const connection = duck.connection;
  try {
    let planned: PlannedPartition[];
    let buckets: number;
    try {
      ({ planned, buckets } = await plan(connection, config, report, options.buckets));
      summarise(report, planned, config);
      if (report.excludedShare > config.engine.maxFailedShare) {
        report.failure = `${report.partitions.excluded} of ${report.partitions.total} partitions (${share(report.partitions.excluded, report.partitions.total)}) failed validation, above engine.maxFailedShare ${share(config.engine.maxFailedShare, 1)}`;
        throw new ValidationError(
          `dataset ${dataset.path} failed validation: ${report.failure}`,
          excludedLines(report, 20, failedReportPath),
        );
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const detail = error.report as { datasetProblems?: DatasetProblem[] } | undefined;
      report.datasetProblems = detail?.datasetProblems ?? report.datasetProblems;
      report.failure ??= error.what;
      await writeJsonAtomic(failedReportPath, report);
      throw new ValidationError(error.what, error.problems, report, failedReportPath);
    }
    const validated = performance.now();
    report.passed = true;
    const { meta, written } = await writeLake({
      connection,
      config,
      planned,
      buckets,
      report,
      outDir,
      reportInside,
      progress: options.progress ?? silentProgress,
      ...(options.log ? { log: options.log } : {}),
    });
    if (!reportInside) await writeJsonAtomic(reportPath, report);
    else await rm(failedReportPath, { force: true });
    const finished = performance.now();
    return {
      outDir,
      reportPath,
      report,
      meta,
      seconds: (finished - started) / 1000,
      timings: {
        validate: (validated - started) / 1000,
        write: (written - validated) / 1000,
        finish: (finished - written) / 1000,
      },
    };
  } finally {
    duck.close();
    await rm(tempDirectory, { recursive: true, force: true });
  }
}
