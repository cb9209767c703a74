import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Frequency } from '../core/vocabulary.ts';
import { epochDayOf, isoDate } from '../data/batch.ts';
import { openDuck } from '../data/duckdb.ts';
import { ValidationError } from '../data/errors.ts';
import { literal } from '../data/sql.ts';
import { DEFAULT_MIX, type KindMix, partitionParams } from './params.ts';
import { loadDates, loadParams, rowsSql } from './sql.ts';
import { type GroundTruth, partitionTruth, SIGNAL } from './truth.ts';

export interface GenerateOptions {
  /** The raw dataset to write: `.csv` writes CSV, anything else Parquet (unless `format` says). */
  out: string;
  partitions: number;
  periods: number;
  frequency?: Frequency;
  seed?: number;
  /** First period, YYYY-MM-DD; defaults per frequency (see DEFAULT_START). */
  start?: string;
  format?: 'parquet' | 'csv';
  /** Brands per store, 1..10 (default 3, like the accelerator's sample). */
  brands?: number;
  /** Share of rows dropped at random to leave gaps (default 0). */
  missingShare?: number;
  /** Share of rows with a promotion the data does not show (see `rowsSql`; default 0). */
  hiddenPromotionShare?: number;
  mix?: Partial<KindMix>;
  /** Periods of planned Price and Advert to write after the data's end (0 = no future file). */
  futureHorizon?: number;
  threads?: number;
}

export interface GenerateResult {
  path: string;
  truthPath: string;
  futurePath: string | null;
  rows: number;
  partitions: number;
  timeColumn: string;
  seconds: number;
}

/** Daily data names its date column `Date`; weekly keeps the accelerator's `WeekStarting`. */
export const TIME_COLUMN: Record<Frequency, string> = { D: 'Date', W: 'WeekStarting', M: 'MonthStarting' };
export const DEFAULT_START: Record<Frequency, string> = { D: '2014-01-01', W: '2020-01-06', M: '2015-01-01' };

/** Where the files of a generated dataset go: `demo.parquet` -> `demo.truth.json`, `demo.future.parquet`. */
export function generatedPaths(out: string, format: 'parquet' | 'csv' = formatOf(out)) {
  const stem = out.replace(/\.(parquet|pq|csv)$/i, '');
  return { data: out, truth: `${stem}.truth.json`, future: `${stem}.future.${format}` };
}

function formatOf(out: string): 'parquet' | 'csv' {
  return /\.csv$/i.test(out) ? 'csv' : 'parquet';
}

function check(options: GenerateOptions): string[] {
  const problems: string[] = [];
  const intIn = (name: string, value: number | undefined, low: number, high: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < low || value > high)) {
      problems.push(`${name} must be a whole number from ${low} to ${high}, got ${value}`);
    }
  };
  intIn('partitions', options.partitions, 1, 10_000_000);
  intIn('periods', options.periods, 2, 100_000);
  intIn('brands', options.brands, 1, 10);
  intIn('futureHorizon', options.futureHorizon, 0, 10_000);
  intIn('seed', options.seed, 0, 2 ** 31 - 1);
  const missing = options.missingShare ?? 0;
  if (!(missing >= 0 && missing <= 0.5)) problems.push(`missingShare must be from 0 to 0.5, got ${missing}`);
  const hidden = options.hiddenPromotionShare ?? 0;
  if (!(hidden >= 0 && hidden <= 0.5)) {
    problems.push(`hiddenPromotionShare must be from 0 to 0.5, got ${hidden}`);
  }
  if (options.start !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.start)) {
    problems.push(`start must be a date YYYY-MM-DD, got '${options.start}'`);
  }
  const mix = { ...DEFAULT_MIX, ...options.mix };
  if (Object.values(mix).some((v) => !(v >= 0)) || mix.intermittent + mix.short + mix.break > 1) {
    problems.push(`mix shares must be >= 0 and add up to at most 1, got ${JSON.stringify(mix)}`);
  }
  return problems;
}

/** A hidden sibling to write into; files are renamed into place only once every file of the set is written. */
function tempSibling(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

async function copyTo(connection: DuckDBConnection, sql: string, file: string, format: 'parquet' | 'csv') {
  const options = format === 'csv' ? 'FORMAT csv, HEADER' : 'FORMAT parquet, COMPRESSION zstd';
  await connection.run(`COPY (${sql}) TO ${literal(file)} (${options})`);
}

/**
 * Writes a synthetic retail dataset (store x brand sales with planted trend, seasonality, price elasticity,
 * promotion lift, holidays, noise; some intermittent, short and broken series), its ground truth and,
 * optionally, planned covariates for the periods after it. Same options and seed, same data.
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const problems = check(options);
  if (problems.length > 0) throw new ValidationError('invalid generate options', problems);
  const started = performance.now();
  const frequency = options.frequency ?? 'W';
  const seed = options.seed ?? 42;
  const format = options.format ?? formatOf(options.out);
  const paths = generatedPaths(path.resolve(options.out), format);
  const horizon = options.futureHorizon ?? 0;
  const brands = options.brands ?? 3;
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const timeColumn = TIME_COLUMN[frequency];
  const startDay = epochDayOf(new Date(`${options.start ?? DEFAULT_START[frequency]}T00:00:00Z`));
  const params = Array.from({ length: options.partitions }, (_, i) =>
    partitionParams(seed, i, options.periods, frequency, brands, mix),
  );
  await mkdir(path.dirname(paths.data), { recursive: true });
  const staged = new Map<string, string>();
  const stage = (file: string) => {
    const tmp = tempSibling(file);
    staged.set(tmp, file);
    return tmp;
  };
  const duck = await openDuck({ threads: options.threads, memoryLimit: '1GB' });
  try {
    const days = await loadDates(duck.connection, startDay, options.periods + horizon, frequency);
    await loadParams(duck.connection, params);
    const base = {
      seed,
      missingShare: options.missingShare ?? 0,
      hiddenPromotionShare: options.hiddenPromotionShare ?? 0,
      lastIndex: options.periods - 1,
      timeColumn,
    };
    const data = stage(paths.data);
    await copyTo(
      duck.connection,
      rowsSql({ ...base, from: 0, to: options.periods, future: false }),
      data,
      format,
    );
    // Parquet footers know the row count; CSV (small data) is counted.
    const counted = await duck.connection.runAndReadAll(
      format === 'csv'
        ? `SELECT count(*) FROM read_csv(${literal(data)}, header = true)`
        : `SELECT num_rows FROM parquet_file_metadata(${literal(data)})`,
    );
    const rows = Number(counted.getRows()[0]?.[0] ?? 0);
    if (horizon > 0) {
      const future = rowsSql({ ...base, from: options.periods, to: options.periods + horizon, future: true });
      await copyTo(duck.connection, future, stage(paths.future), format);
    }
    const truth: GroundTruth = {
      schemaVersion: 1,
      generator: 'many-models synthetic retail v1',
      seed,
      frequency,
      timeColumn,
      start: isoDate(startDay),
      end: isoDate(days[options.periods - 1]!),
      periods: options.periods,
      missingShare: base.missingShare,
      signal: SIGNAL,
      partitions: params.map((p) => partitionTruth(p, days, options.periods)),
    };
    await writeTruth(stage(paths.truth), truth);
    for (const [tmp, file] of staged) await rename(tmp, file);
    staged.clear();
    return {
      path: paths.data,
      truthPath: paths.truth,
      futurePath: horizon > 0 ? paths.future : null,
      rows,
      partitions: options.partitions,
      timeColumn,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    duck.close();
    await Promise.all([...staged.keys()].map((tmp) => rm(tmp, { force: true })));
  }
}

/**
 * The ground truth as JSON, one partition per line: a million partitions' truth is more text than one
 * JavaScript string may hold, so it is written in chunks, never built whole.
 */
async function writeTruth(file: string, truth: GroundTruth): Promise<void> {
  const { partitions, ...header } = truth;
  const handle = await open(file, 'w');
  try {
    let buffer = `${JSON.stringify(header, null, 2).slice(0, -2)},\n  "partitions": [`;
    for (let i = 0; i < partitions.length; i++) {
      buffer += `${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(partitions[i])}`;
      if (buffer.length >= 1 << 20) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    await handle.write(`${buffer}${partitions.length > 0 ? '\n  ' : ''}]\n}\n`);
  } finally {
    await handle.close();
  }
}
