import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  PREDICTION_COLUMN_TYPES,
  PREDICTION_COLUMNS,
  type PredictionColumn,
  RUN_COLUMNS,
} from '../contracts/predictions.ts';
import { assertRunId } from '../core/run-id.ts';
import { ident as quoteIdent, literal as quoteString } from '../data/sql.ts';
import { withFileLock } from '../util/file-lock.ts';
import type { PredictionRow } from './types.ts';

type Appender = Awaited<ReturnType<DuckDBConnection['createAppender']>>;
type StagedColumn = Exclude<PredictionColumn, (typeof RUN_COLUMNS)[number]>;

const isRunColumn = (c: PredictionColumn): c is (typeof RUN_COLUMNS)[number] =>
  (RUN_COLUMNS as readonly string[]).includes(c);
/** The contract's columns a row carries, in table order. */
const STAGED = PREDICTION_COLUMNS.filter((c): c is StagedColumn => !isRunColumn(c));

const appendDouble = (a: Appender, v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? a.appendNull() : a.appendDouble(v);
const appendInteger = (a: Appender, v: number | null) => (v === null ? a.appendNull() : a.appendInteger(v));
const appendText = (a: Appender, v: string | null | undefined) =>
  v === null || v === undefined ? a.appendNull() : a.appendVarchar(v);

/** How each column of a row reaches the staging table; the contract's list decides which and in what order. */
const APPEND: Record<StagedColumn, (a: Appender, row: PredictionRow) => void> = {
  forecast: (a, r) => appendDouble(a, r.forecast),
  status: (a, r) => a.appendVarchar(r.status),
  model_name: (a, r) => a.appendVarchar(r.modelName),
  model_version: (a, r) => appendInteger(a, r.modelVersion),
  model_kind: (a, r) => appendText(a, r.modelKind),
  horizon_step: (a, r) => appendInteger(a, r.horizonStep),
  training_run_id: (a, r) => appendText(a, r.trainingRunId),
  baseline_model: (a, r) => (r.baselineModel === null ? a.appendNull() : a.appendBoolean(r.baselineModel)),
  used_fallback: (a, r) => a.appendBoolean(r.usedFallback),
  fallback_periods: (a, r) => appendInteger(a, r.fallbackPeriods),
  lower_80: (a, r) => appendDouble(a, r.interval?.lower80),
  upper_80: (a, r) => appendDouble(a, r.interval?.upper80),
  lower_95: (a, r) => appendDouble(a, r.interval?.lower95),
  upper_95: (a, r) => appendDouble(a, r.interval?.upper95),
  message: (a, r) => appendText(a, r.message),
};

export interface WritePredictionsOptions {
  rows: readonly PredictionRow[];
  partitionBy: readonly string[];
  timeColumn: string;
  runId: string;
  /** `predictions/` in the lake: the file lands at `<dir>/run_id=<runId>/predictions.parquet`. */
  predictionsDir: string;
  /** DuckDB database standing in for Synapse SQL: table `predictions`, view `latest_predictions`; none on a node. */
  warehousePath?: string;
  /** File name suffix, `predictions<label>.parquet`: callers scoring parts of one run write one file each. */
  label?: string;
  /** Checked before the file is published: an aborted write leaves no Parquet, not even its temp file. */
  abortSignal?: AbortSignal;
}

export interface WrittenPredictions {
  parquetPath: string;
  rows: number;
}

/**
 * Writes one scoring run's predictions as Parquet and publishes it: the file is built outside `predictions/` (in
 * `predictions.staging/`), loaded into the warehouse table (replacing an earlier load of the same run, so a re-run
 * never duplicates rows), and only then renamed into `predictions/run_id=<id>/`, once. Whatever fails on the way,
 * readers of `predictions/` (the Synapse view on Azure) never see a file of a run that did not complete.
 */
export async function writePredictions(options: WritePredictionsOptions): Promise<WrittenPredictions> {
  const runFolder = path.join(options.predictionsDir, `run_id=${assertRunId(options.runId)}`);
  const parquetPath = path.join(runFolder, `predictions${options.label ?? ''}.parquet`);
  const staging = `${options.predictionsDir}.staging`;
  const tmpPath = path.join(
    staging,
    `run_id=${options.runId}.predictions${options.label ?? ''}.${process.pid}-${randomBytes(4).toString('hex')}.parquet`,
  );
  await mkdir(staging, { recursive: true });

  const memory = await DuckDBInstance.create(':memory:');
  const connection = await memory.connect();
  try {
    const keyCols = options.partitionBy.map((_, i) => `k${i} VARCHAR`).join(', ');
    const staged = STAGED.map((c) => `${c} ${PREDICTION_COLUMN_TYPES[c].parquetType}`).join(', ');
    await connection.run(`CREATE TABLE staging (${keyCols}, day INTEGER, ${staged})`);
    const appender = await connection.createAppender('staging');
    for (const row of options.rows) {
      for (const k of row.key) appender.appendVarchar(k);
      if (row.time === null) appender.appendNull();
      else appender.appendInteger(row.time);
      for (const column of STAGED) APPEND[column](appender, row);
      appender.endRow();
    }
    appender.closeSync();
    const keys = options.partitionBy.map((c, i) => `k${i} AS ${quoteIdent(c)}`).join(', ');
    const scoredAt = new Date().toISOString();
    const run: Record<(typeof RUN_COLUMNS)[number], string> = {
      run_id: quoteString(options.runId),
      scored_at: `CAST(${quoteString(scoredAt)} AS TIMESTAMP)`,
    };
    const fixed = PREDICTION_COLUMNS.map((c) => (isRunColumn(c) ? `${run[c]} AS ${c}` : c)).join(', ');
    await connection.run(
      `COPY (
        SELECT ${keys}, (DATE '1970-01-01' + day) AS ${quoteIdent(options.timeColumn)}, ${fixed}
        FROM staging ORDER BY model_name, day
      ) TO ${quoteString(tmpPath)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  } finally {
    connection.closeSync();
    memory.closeSync();
  }

  try {
    // The last moment to stop: after it the warehouse and then predictions/ see the run.
    options.abortSignal?.throwIfAborted();
    if (options.warehousePath) await loadWarehouse(options.warehousePath, tmpPath, options.runId);
    await mkdir(runFolder, { recursive: true });
    await rename(tmpPath, parquetPath);
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  }
  return { parquetPath, rows: options.rows.length };
}

/**
 * Loads one scoring run into the warehouse, replacing an earlier load of it. `parquetPath` may be a glob: a run
 * scored in parts (Spark tasks, parallel mini-batches) has one file per part.
 */
export async function loadWarehouse(
  warehousePath: string,
  parquetPath: string,
  runId: string,
): Promise<void> {
  await mkdir(path.dirname(warehousePath), { recursive: true });
  // DuckDB lets one process at a time open the file: concurrent scoring runs take turns instead of failing.
  await withFileLock(warehousePath, { what: 'the warehouse' }, () =>
    loadLocked(warehousePath, parquetPath, runId),
  );
}

async function loadLocked(warehousePath: string, parquetPath: string, runId: string): Promise<void> {
  const warehouse = await DuckDBInstance.create(warehousePath);
  const connection = await warehouse.connect();
  const file = quoteString(parquetPath);
  try {
    await connection.run('BEGIN TRANSACTION');
    await connection.run(
      `CREATE TABLE IF NOT EXISTS predictions AS SELECT * FROM read_parquet(${file}) LIMIT 0`,
    );
    // A warehouse created by an older release lacks the newer columns: add them (older runs read NULL there).
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`);
    for (const column of described.getRowObjectsJS()) {
      await connection.run(
        `ALTER TABLE predictions ADD COLUMN IF NOT EXISTS ${quoteIdent(String(column.column_name))} ${String(column.column_type)}`,
      );
    }
    await connection.run(`DELETE FROM predictions WHERE run_id = ${quoteString(runId)}`);
    await connection.run(`INSERT INTO predictions BY NAME SELECT * FROM read_parquet(${file})`);
    await connection.run(
      `CREATE OR REPLACE VIEW latest_predictions AS
        SELECT * FROM predictions WHERE run_id = (SELECT max_by(run_id, scored_at) FROM predictions)`,
    );
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    connection.closeSync();
    warehouse.closeSync();
  }
}
