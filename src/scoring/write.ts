import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { assertRunId } from '../core/run-id.ts';
import { ident as quoteIdent, literal as quoteString } from '../data/sql.ts';
import type { PredictionRow } from './types.ts';

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
}

export interface WrittenPredictions {
  parquetPath: string;
  rows: number;
}

/**
 * Writes one scoring run's predictions as Parquet (atomically: temp file then rename) and loads it into the
 * warehouse table, replacing any earlier load of the same run so a re-run never duplicates rows.
 */
export async function writePredictions(options: WritePredictionsOptions): Promise<WrittenPredictions> {
  const runFolder = path.join(options.predictionsDir, `run_id=${assertRunId(options.runId)}`);
  const parquetPath = path.join(runFolder, `predictions${options.label ?? ''}.parquet`);
  const tmpPath = path.join(runFolder, `.predictions${options.label ?? ''}.${process.pid}.tmp.parquet`);
  await mkdir(runFolder, { recursive: true });

  const memory = await DuckDBInstance.create(':memory:');
  const connection = await memory.connect();
  try {
    const keyCols = options.partitionBy.map((_, i) => `k${i} VARCHAR`).join(', ');
    await connection.run(
      `CREATE TABLE staging (${keyCols}, day INTEGER, forecast DOUBLE, status VARCHAR, model_name VARCHAR,
        model_version INTEGER, model_kind VARCHAR, used_fallback BOOLEAN, fallback_periods INTEGER,
        lower_80 DOUBLE, upper_80 DOUBLE, lower_95 DOUBLE, upper_95 DOUBLE, message VARCHAR)`,
    );
    const appender = await connection.createAppender('staging');
    for (const row of options.rows) {
      for (const k of row.key) appender.appendVarchar(k);
      if (row.time === null) appender.appendNull();
      else appender.appendInteger(row.time);
      if (row.forecast === null || !Number.isFinite(row.forecast)) appender.appendNull();
      else appender.appendDouble(row.forecast);
      appender.appendVarchar(row.status);
      appender.appendVarchar(row.modelName);
      if (row.modelVersion === null) appender.appendNull();
      else appender.appendInteger(row.modelVersion);
      if (row.modelKind === null) appender.appendNull();
      else appender.appendVarchar(row.modelKind);
      appender.appendBoolean(row.usedFallback);
      if (row.fallbackPeriods === null) appender.appendNull();
      else appender.appendInteger(row.fallbackPeriods);
      const { interval } = row;
      for (const v of interval
        ? [interval.lower80, interval.upper80, interval.lower95, interval.upper95]
        : [0, 0, 0, 0]) {
        if (interval && Number.isFinite(v)) appender.appendDouble(v);
        else appender.appendNull();
      }
      if (row.message === undefined) appender.appendNull();
      else appender.appendVarchar(row.message);
      appender.endRow();
    }
    appender.closeSync();
    const keys = options.partitionBy.map((c, i) => `k${i} AS ${quoteIdent(c)}`).join(', ');
    const scoredAt = new Date().toISOString();
    await connection.run(
      `COPY (
        SELECT ${keys}, (DATE '1970-01-01' + day) AS ${quoteIdent(options.timeColumn)}, forecast, status, model_name,
          model_version, model_kind, used_fallback, fallback_periods, lower_80, upper_80, lower_95, upper_95, ${quoteString(options.runId)} AS run_id,
          CAST(${quoteString(scoredAt)} AS TIMESTAMP) AS scored_at, message
        FROM staging ORDER BY model_name, day
      ) TO ${quoteString(tmpPath)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    await rename(tmpPath, parquetPath);
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  } finally {
    connection.closeSync();
    memory.closeSync();
  }

  if (options.warehousePath) await loadWarehouse(options.warehousePath, parquetPath, options.runId);
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
