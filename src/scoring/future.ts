import { DuckDBInstance } from '@duckdb/node-api';
import type { DatasetConfig } from '../config/schema.ts';
import { EXIT } from '../core/errors.ts';
import { modelName } from '../core/model-name.ts';
import { formatOf, sourceRelation } from '../data/source.ts';
import { ident as quoteIdent } from '../data/sql.ts';

import type { FutureCovariateTable } from './future-plan.ts';

export type { FutureCovariateTable } from './future-plan.ts';

export class FutureCovariatesError extends Error {
  override readonly name = 'ValidationError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
}

/**
 * Reads a future-covariates table (the dataset's partition, time and feature columns for the horizon, no
 * target) into a lookup by model name. Missing columns and duplicate (partition, date) rows are bad input.
 */
export async function readFutureCovariates(
  file: string,
  dataset: DatasetConfig,
): Promise<FutureCovariateTable> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  // Dates of instants (TIMESTAMPTZ) in UTC, as prepare dates them, whatever the host's zone.
  await connection.run("SET TimeZone = 'UTC'");
  try {
    const source = sourceRelation({ path: file, format: formatOf({ path: file }), files: [file] });
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const columns = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const needed = [...dataset.partitionBy, dataset.time, ...dataset.features];
    const missing = needed.filter((c) => !columns.has(c));
    if (missing.length > 0) {
      throw new FutureCovariatesError(`future covariates ${file}: missing column(s) ${missing.join(', ')}`);
    }
    const keys = dataset.partitionBy.map((c) => `CAST(${quoteIdent(c)} AS VARCHAR)`).join(', ');
    const feats = dataset.features.map((c) => `CAST(${quoteIdent(c)} AS DOUBLE)`).join(', ');
    const day = `datediff('day', DATE '1970-01-01', CAST(${quoteIdent(dataset.time)} AS DATE))`;
    const result = await connection.runAndReadAll(
      `SELECT [${keys}] AS k, ${day} AS d${feats ? `, [${feats}] AS f` : ''} FROM ${source}`,
    );
    const table: FutureCovariateTable = new Map();
    for (const row of result.getRowsJS()) {
      const key = row[0] as string[];
      const date = Number(row[1]);
      const values = ((row[2] as (number | null)[] | undefined) ?? []).map((v) =>
        v === null ? Number.NaN : v,
      );
      const name = modelName(key);
      let dates = table.get(name);
      if (!dates) {
        dates = new Map();
        table.set(name, dates);
      }
      if (dates.has(date)) {
        throw new FutureCovariatesError(
          `future covariates ${file}: duplicate rows for ${JSON.stringify(key)} on day ${date}`,
        );
      }
      dates.set(date, values);
    }
    return table;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
