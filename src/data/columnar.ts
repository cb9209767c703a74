import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBDoubleVector,
  DuckDBIntegerVector,
} from '@duckdb/node-api';

/** Columns read straight into typed arrays: column 0 as INTEGER, the rest as DOUBLE (NULL becomes NaN). */
export interface ColumnarRead {
  ints: Int32Array;
  doubles: Float64Array[];
  rows: number;
}

// `rowCount` is a native call: read it once per chunk, never per row.
function copyInts(chunk: DuckDBDataChunk, rows: number, column: number, into: Int32Array, at: number): void {
  const vector = chunk.getColumnVector(column);
  if (!(vector instanceof DuckDBIntegerVector)) throw new Error(`column ${column} is not INTEGER`);
  for (let i = 0; i < rows; i++) into[at + i] = vector.getItem(i) ?? 0;
}

function copyDoubles(
  chunk: DuckDBDataChunk,
  rows: number,
  column: number,
  into: Float64Array,
  at: number,
): void {
  const vector = chunk.getColumnVector(column);
  if (!(vector instanceof DuckDBDoubleVector)) throw new Error(`column ${column} is not DOUBLE`);
  for (let i = 0; i < rows; i++) into[at + i] = vector.getItem(i) ?? Number.NaN;
}

/**
 * Streams a query's result chunk by chunk into preallocated typed arrays: DuckDB's columnar vectors are copied
 * value by value into flat buffers, so no JS object is ever made per row. `rows` must be the exact row count.
 */
export async function readColumnar(
  connection: DuckDBConnection,
  sql: string,
  rows: number,
  doubleColumns: number,
): Promise<ColumnarRead> {
  const ints = new Int32Array(rows);
  const doubles = Array.from({ length: doubleColumns }, () => new Float64Array(rows));
  const result = await connection.stream(sql);
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    const n = chunk?.rowCount ?? 0;
    if (!chunk || n === 0) break;
    if (at + n > rows) throw new Error(`query returned more than the expected ${rows} rows`);
    copyInts(chunk, n, 0, ints, at);
    for (let c = 0; c < doubleColumns; c++) copyDoubles(chunk, n, c + 1, doubles[c]!, at);
    at += n;
  }
  if (at !== rows) throw new Error(`query returned ${at} rows, expected ${rows}`);
  return { ints, doubles, rows };
}
