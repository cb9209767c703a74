import { availableParallelism } from 'node:os';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface DuckOptions {
  /** Threads for DuckDB; defaults to the machine's cores. */
  threads?: number;
  /** e.g. '2GB'; DuckDB spills to `tempDirectory` beyond it. */
  memoryLimit?: string;
  tempDirectory?: string;
}

export interface Duck {
  connection: DuckDBConnection;
  close(): void;
}

/** An in-memory DuckDB with bounded memory: big sorts and joins spill to disk instead of growing RSS. */
export async function openDuck(options: DuckOptions = {}): Promise<Duck> {
  const settings: Record<string, string> = {
    threads: String(options.threads ?? availableParallelism()),
    memory_limit: options.memoryLimit ?? '1536MB',
  };
  if (options.tempDirectory) settings.temp_directory = options.tempDirectory;
  const instance = await DuckDBInstance.create(':memory:', settings);
  const connection = await instance.connect();
  // Progress bars would write to the terminal behind our back.
  await connection.run('SET enable_progress_bar = false');
  // DuckDB's default is the host's zone: a laptop and a UTC cluster would read one instant as different dates.
  await connection.run("SET TimeZone = 'UTC'");
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs a query and returns its rows as plain JS values (for small results: stats, catalogs, checks). */
export async function queryRows(
  connection: DuckDBConnection,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** One query on a fresh in-memory DuckDB, closed after (for scripts and checks that read a file or two). */
export async function queryOnce(sql: string, options: DuckOptions = {}): Promise<Record<string, unknown>[]> {
  const duck = await openDuck(options);
  try {
    return await queryRows(duck.connection, sql);
  } finally {
    duck.close();
  }
}

/** DuckDB returns BIGINT as bigint; counts and sizes here always fit a double. */
export function num(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return Number.NaN;
  return Number(value);
}
