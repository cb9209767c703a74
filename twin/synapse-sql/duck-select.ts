import { openDuck } from '../../src/data/duckdb.ts';
import { SQL_ERRORS, type SqlDatabase } from './catalog.ts';
import { sqlTypeOfDuck } from './result-set.ts';
import type { StatementResult } from './server.ts';
import type { SelectRunner } from './sql-executor.ts';
import { objectName, type ViewDefinition } from './statements.ts';

/** The Parquet files an OPENROWSET reads, fetched from the lake as the caller; LakeDenied when storage says no. */
export type ViewFiles = (request: {
  /** The external data source's LOCATION. */
  location: string;
  bulk: string;
  filepath: ViewDefinition['filepath'];
  /** The caller's object id: serverless SQL reads storage as the caller when the data source has no credential. */
  sid: string;
}) => Promise<string[]>;

export class LakeDenied extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/** The OPENROWSET WITH clause's T-SQL types as DuckDB casts. */
function duckType(sqlType: string): string {
  const t = sqlType.toUpperCase();
  if (/^N?(VAR)?CHAR\b/.test(t)) return 'VARCHAR';
  if (t === 'DATE') return 'DATE';
  if (/^(FLOAT|REAL|DECIMAL|NUMERIC)\b/.test(t)) return 'DOUBLE';
  if (t === 'INT' || t === 'SMALLINT' || t === 'TINYINT') return 'INTEGER';
  if (t === 'BIGINT') return 'BIGINT';
  if (t === 'BIT') return 'BOOLEAN';
  if (/^DATETIME2?\b/.test(t)) return 'TIMESTAMP';
  throw new Error(`the twin cannot read OPENROWSET column type ${sqlType}`);
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * T-SQL quoting and TOP as DuckDB's: [x] -> "x", N'x' -> 'x', SELECT TOP n ... -> ... LIMIT n; COUNT(*) is an INT
 * in T-SQL (COUNT_BIG is the BIGINT one), a BIGINT in DuckDB.
 */
export function toDuckSql(sql: string): string {
  let out = sql
    .replace(/\[((?:[^\]]|\]\])+)\]/g, (_m, name: string) => q(name.replaceAll(']]', ']')))
    .replace(/\bN'/g, "'")
    .replace(/\bCOUNT\(\*\)/gi, 'CAST(COUNT(*) AS INTEGER)');
  const top = /^SELECT TOP \(?(\d+)\)? /i.exec(out);
  if (top) out = `SELECT ${out.slice(top[0].length)} LIMIT ${top[1]}`;
  return out;
}

/**
 * SELECTs on the twin's serverless endpoint: each view the query names is defined in a fresh DuckDB as the cast
 * columns of the Parquet files its OPENROWSET matches (fetched as the caller), then the query runs there. A SELECT
 * needs SELECT on the view and, because the view reads with OPENROWSET, ADMINISTER DATABASE BULK OPERATIONS
 * (OPENROWSET, "Permissions"); a SELECT without FROM reads nothing.
 */
export function duckSelect(files: ViewFiles): SelectRunner {
  return async (sql, { db, sid, catalog }) => {
    const names = [
      ...sql.matchAll(
        /\b(?:FROM|JOIN)\s+((?:\[(?:[^\]]|\]\])+\]|[\w$#@]+)(?:\s*\.\s*(?:\[(?:[^\]]|\]\])+\]|[\w$#@]+))?)/gi,
      ),
    ].map((m) => m[1]!);
    const duck = await openDuck({ threads: 1, memoryLimit: '256MB' });
    try {
      for (const name of new Set(names.map(objectName))) {
        const defined = db.views.get(name);
        if (!defined) return { kind: 'error', error: SQL_ERRORS.invalidObject(name) };
        const [schema, object] = name.split('.') as [string, string];
        const select = ['SELECT', `SELECT ON SCHEMA::${schema}`, `SELECT ON OBJECT::${name}`];
        if (!select.some((permission) => catalog.can(db, sid, permission))) {
          return {
            kind: 'error',
            error: SQL_ERRORS.objectPermissionDenied('SELECT', object, db.name, schema),
          };
        }
        if (!catalog.can(db, sid, 'ADMINISTER DATABASE BULK OPERATIONS')) {
          return {
            kind: 'error',
            error: {
              number: 4834,
              class: 16,
              message: 'You do not have permission to use the bulk load statement.',
            },
          };
        }
        const view = defined.view;
        const source = db.dataSources.get(view.dataSource.toLowerCase());
        if (!source) return { kind: 'error', error: SQL_ERRORS.invalidObject(view.dataSource) };
        let paths: string[];
        try {
          paths = await files({ location: source.location, bulk: view.bulk, filepath: view.filepath, sid });
        } catch (error) {
          if (error instanceof LakeDenied) return { kind: 'error', error: SQL_ERRORS.cannotList(error.path) };
          throw error;
        }
        const typed = new Map(view.columns.map((c) => [c.name.toLowerCase(), c]));
        const casts = view.select.map((name) => {
          const column = typed.get(name.toLowerCase());
          if (!column) throw new Error(`view ${name}: column ${name} is not in the WITH clause`);
          return `CAST(${paths.length > 0 ? q(column.name) : 'NULL'} AS ${duckType(column.type)}) AS ${q(column.name)}`;
        });
        const from =
          paths.length > 0
            ? ` FROM read_parquet([${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')}])`
            : ' WHERE false';
        await duck.connection.run(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
        await duck.connection.run(
          `CREATE VIEW ${q(schema)}.${q(object)} AS SELECT ${casts.join(', ')}${from}`,
        );
      }
      let reader: Awaited<ReturnType<typeof duck.connection.runAndReadAll>>;
      try {
        reader = await duck.connection.runAndReadAll(toDuckSql(sql));
      } catch (error) {
        return {
          kind: 'error',
          error: {
            number: 102,
            class: 15,
            message: `Incorrect syntax or semantics: ${(error as Error).message.split('\n')[0]}`,
          },
        };
      }
      const types = reader.columnTypes().map((t) => sqlTypeOfDuck(t.toString()));
      const result: StatementResult = {
        kind: 'rows',
        columns: reader.columnNames().map((name, i) => ({ name, type: types[i]! })),
        rows: reader.getRowsJS() as unknown[][],
      };
      return result;
    } finally {
      duck.close();
    }
  };
}

export type { SqlDatabase };
