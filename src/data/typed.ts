import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../config/schema.ts';
import type { Frequency } from '../core/vocabulary.ts';
import type { TypedColumns } from './checks.ts';

/**
 * Internal column names of the typed view: k0..kn (keys, in their own type), t (DATE), y (target), f0..fm
 * (features). The table `stats` adds s0..sn: the keys as text, which is how they are reported and written.
 * Positional names keep the SQL independent of user column names, which may clash with anything.
 */
export function keyCols(dataset: Pick<DatasetConfig, 'partitionBy'>): string[] {
  return dataset.partitionBy.map((_, i) => `k${i}`);
}

export function keyTextCols(dataset: Pick<DatasetConfig, 'partitionBy'>): string[] {
  return dataset.partitionBy.map((_, i) => `s${i}`);
}

export function featureCols(dataset: Pick<DatasetConfig, 'features'>): string[] {
  return dataset.features.map((_, i) => `f${i}`);
}

/** Monthly data is put on month starts, so "the same month" is one period whatever day a row carries. */
function periodStart(time: string, frequency: Frequency): string {
  return frequency === 'M' ? `CAST(date_trunc('month', ${time}) AS DATE)` : time;
}

export async function createTypedView(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  typed: TypedColumns,
): Promise<void> {
  const columns = [
    ...typed.keys.map((expr, i) => `${expr} AS k${i}`),
    `${periodStart(typed.time, dataset.frequency)} AS t`,
    `${typed.target} AS y`,
    ...typed.features.map((expr, i) => `${expr} AS f${i}`),
  ];
  await connection.run(`CREATE OR REPLACE VIEW typed AS SELECT ${columns.join(', ')} FROM raw`);
}
