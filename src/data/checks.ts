import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../config/schema.ts';
import { num, queryRows } from './duckdb.ts';
import { ValidationError } from './errors.ts';
import type { Source } from './source.ts';
import { ident } from './sql.ts';

/** A dataset-level problem: the whole prepare fails on it. */
export interface DatasetProblem {
  code:
    | 'missing_column'
    | 'duplicate_column_use'
    | 'wrong_type'
    | 'non_numeric'
    | 'unparseable_date'
    | 'empty_key'
    | 'no_rows';
  column?: string;
  rows?: number;
  examples?: { row: number; value: string | null }[];
  message: string;
}

/**
 * SQL expressions that turn the raw columns into typed ones (time DATE, numbers DOUBLE). Keys keep their own
 * type while rows are grouped and joined (casting 40 M keys to text costs seconds); they become text per
 * partition, after grouping.
 */
export interface TypedColumns {
  keys: string[];
  time: string;
  target: string;
  features: string[];
  rows: number;
  /** Earliest and latest date in the data (epoch days), for sizing per-partition date bitmaps. */
  days: { min: number; max: number };
  /** HyperLogLog estimate of the number of partitions. */
  approxPartitions: number;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/;
const TEXT = /^VARCHAR$/;
/** Keys become text names: nested values (STRUCT, LIST, MAP, UNION) or blobs have no stable text form. */
const SCALAR_KEY =
  /^(VARCHAR|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL.*|DATE|BOOLEAN|UUID|ENUM.*)$/;
const DATE_LIKE = /^(DATE|TIMESTAMP.*)$/;

function numberExpr(column: string, type: string): string | undefined {
  if (NUMERIC.test(type)) return `CAST(${ident(column)} AS DOUBLE)`;
  if (TEXT.test(type)) return `TRY_CAST(${ident(column)} AS DOUBLE)`;
  return undefined;
}

function dateExpr(column: string, type: string): string | undefined {
  // An instant is dated in UTC, explicitly: never by the host's time zone.
  if (type === 'TIMESTAMP WITH TIME ZONE') return `CAST(timezone('UTC', ${ident(column)}) AS DATE)`;
  if (DATE_LIKE.test(type)) return `CAST(${ident(column)} AS DATE)`;
  if (TEXT.test(type)) {
    const c = ident(column);
    return `coalesce(TRY_CAST(${c} AS DATE), CAST(TRY_CAST(${c} AS TIMESTAMP) AS DATE))`;
  }
  return undefined;
}

function missingColumnProblems(dataset: DatasetConfig, present: string[]): DatasetProblem[] {
  const problems: DatasetProblem[] = [];
  const uses: [string, string][] = [
    ...dataset.partitionBy.map((c): [string, string] => [c, 'dataset.partitionBy']),
    [dataset.time, 'dataset.time'],
    [dataset.target, 'dataset.target'],
    ...dataset.features.map((c): [string, string] => [c, 'dataset.features']),
  ];
  const seen = new Map<string, string>();
  for (const [column, key] of uses) {
    const earlier = seen.get(column);
    if (earlier !== undefined) {
      problems.push({
        code: 'duplicate_column_use',
        column,
        message: `column '${column}' is named in both ${earlier} and ${key}; each column can play one role`,
      });
    }
    seen.set(column, key);
    if (present.includes(column)) continue;
    const near = present.find((p) => p.toLowerCase() === column.toLowerCase());
    problems.push({
      code: 'missing_column',
      column,
      message:
        `column '${column}' (${key}) is missing` +
        (near ? `; did you mean '${near}'? (names are case-sensitive)` : '') +
        `; the file has columns ${present.map((p) => `'${p}'`).join(', ')}`,
    });
  }
  return problems;
}

interface BadValueCheck {
  code: DatasetProblem['code'];
  column: string;
  /** SQL condition true for a bad row. */
  bad: string;
  describe: (rows: number) => string;
}

async function examplesOf(
  connection: DuckDBConnection,
  check: BadValueCheck,
): Promise<{ row: number; value: string | null }[]> {
  // One thread so row_number() follows the file's order and the row numbers point at the right lines.
  const [setting] = await queryRows(connection, "SELECT current_setting('threads') AS threads");
  await connection.run('SET threads = 1');
  try {
    const rows = await queryRows(
      connection,
      `SELECT rn, CAST(${ident(check.column)} AS VARCHAR) AS v
         FROM (SELECT row_number() OVER () AS rn, * FROM raw) WHERE ${check.bad} ORDER BY rn LIMIT 3`,
    );
    return rows.map((r) => ({ row: num(r.rn), value: r.v === null ? null : String(r.v) }));
  } finally {
    await connection.run(`SET threads = ${num(setting?.threads)}`);
  }
}

function where(examples: { row: number; value: string | null }[], csv: boolean): string {
  const parts = examples.map(
    (e) => `row ${e.row}${csv ? ` (line ${e.row + 1})` : ''}: ${e.value === null ? 'empty' : `'${e.value}'`}`,
  );
  return parts.length > 0 ? `, e.g. ${parts.join('; ')}` : '';
}

/** What the column types alone say: wrong types, and the per-row checks and typed expressions they call for. */
interface TypePlan {
  problems: DatasetProblem[];
  checks: BadValueCheck[];
  /** The target's then each feature's number expression ('NULL' where the type cannot hold numbers). */
  numbers: string[];
  time: string | undefined;
}

function planByType(dataset: DatasetConfig, typeOf: (column: string) => string): TypePlan {
  const problems: DatasetProblem[] = [];
  const checks: BadValueCheck[] = [];
  if (typeOf(dataset.target) === 'BOOLEAN') {
    problems.push({
      code: 'wrong_type',
      column: dataset.target,
      message: `column '${dataset.target}' (dataset.target) has type BOOLEAN; the target must hold quantities, not true/false (a flag belongs in dataset.features)`,
    });
  }
  for (const column of dataset.partitionBy) {
    if (!SCALAR_KEY.test(typeOf(column))) {
      problems.push({
        code: 'wrong_type',
        column,
        message: `partition column '${column}' (dataset.partitionBy) has type ${typeOf(column)}; a partition key must be text, a whole number or a date`,
      });
    }
  }
  const numbers = [dataset.target, ...dataset.features].map((column) => {
    const expr = numberExpr(column, typeOf(column));
    if (!expr) {
      problems.push({
        code: 'wrong_type',
        column,
        message: `column '${column}' has type ${typeOf(column)}; ${column === dataset.target ? 'the target' : 'a feature'} must hold numbers`,
      });
    } else if (TEXT.test(typeOf(column))) {
      checks.push({
        code: 'non_numeric',
        column,
        bad: `${ident(column)} IS NOT NULL AND ${expr} IS NULL`,
        describe: (n) => `column '${column}' has ${n} non-numeric value(s)`,
      });
    }
    return expr ?? 'NULL';
  });
  const time = dateExpr(dataset.time, typeOf(dataset.time));
  if (!time) {
    problems.push({
      code: 'wrong_type',
      column: dataset.time,
      message: `column '${dataset.time}' (dataset.time) has type ${typeOf(dataset.time)}; expected dates (YYYY-MM-DD)`,
    });
  } else {
    checks.push({
      code: 'unparseable_date',
      column: dataset.time,
      bad: `${time} IS NULL`,
      describe: (n) => `column '${dataset.time}' has ${n} empty or unparseable date(s) (expected YYYY-MM-DD)`,
    });
  }
  for (const column of dataset.partitionBy) {
    checks.push({
      code: 'empty_key',
      column,
      bad: `${ident(column)} IS NULL`,
      describe: (n) => `partition column '${column}' is empty in ${n} row(s)`,
    });
  }
  return { problems, checks, numbers, time };
}

/** One scan: row count, date range, approximate partition count and how many rows fail each check. */
async function scanRaw(connection: DuckDBConnection, dataset: DatasetConfig, plan: TypePlan) {
  const keyHash = `hash(${dataset.partitionBy.map(ident).join(', ')})`;
  const day = plan.time ? `CAST(${plan.time} - DATE '1970-01-01' AS INTEGER)` : 'NULL';
  const counts = await queryRows(
    connection,
    `SELECT count(*) AS total, min(${day}) AS min_day, max(${day}) AS max_day,
            approx_count_distinct(${keyHash}) AS groups
            ${plan.checks.map((c, i) => `, count(*) FILTER (WHERE ${c.bad}) AS c${i}`).join('')} FROM raw`,
  );
  const row = counts[0] ?? {};
  return {
    total: num(row.total),
    days: { min: num(row.min_day), max: num(row.max_day) },
    groups: num(row.groups),
    failing: plan.checks.map((_, i) => num(row[`c${i}`])),
  };
}

/**
 * Dataset-level validation: columns present, numbers numeric, dates parseable, keys non-empty.
 * Throws a ValidationError listing every problem found (not just the first), or returns the typed columns.
 */
export async function checkDataset(
  connection: DuckDBConnection,
  dataset: DatasetConfig,
  source: Source,
): Promise<TypedColumns> {
  const described = await queryRows(connection, 'DESCRIBE raw');
  const types = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const fail = (problems: DatasetProblem[]): never => {
    throw new ValidationError(
      `dataset ${source.path} failed validation`,
      problems.map((p) => p.message),
      { datasetProblems: problems },
    );
  };
  const missing = missingColumnProblems(dataset, [...types.keys()]);
  if (missing.length > 0) fail(missing);

  const plan = planByType(dataset, (c) => types.get(c) ?? 'UNKNOWN');
  const problems = plan.problems;
  const scan = await scanRaw(connection, dataset, plan);
  if (scan.total === 0) problems.push({ code: 'no_rows', message: 'the dataset has no rows' });
  for (const [i, check] of plan.checks.entries()) {
    const n = scan.failing[i]!;
    if (n === 0) continue;
    const examples = await examplesOf(connection, check);
    problems.push({
      code: check.code,
      column: check.column,
      rows: n,
      examples,
      message: `${check.describe(n)}${where(examples, source.format === 'csv')}`,
    });
  }
  if (problems.length > 0) fail(problems);
  return {
    keys: dataset.partitionBy.map(ident),
    time: plan.time ?? 'NULL',
    target: plan.numbers[0] ?? 'NULL',
    features: plan.numbers.slice(1),
    rows: scan.total,
    days: scan.days,
    approxPartitions: scan.groups,
  };
}
