/**
 * The T-SQL the twin's Synapse serverless endpoint understands: the statements of pipelines/synapse/*.sql, of the
 * one-time grants (infra/synapse-grants.ts), the session SETs drivers send after login, and SELECTs over views.
 * Anything else is not guessed at: `parseBatch` names it, and the endpoint refuses the whole batch, as SQL Server
 * refuses a batch that does not compile.
 */
export type Statement =
  | { kind: 'set'; option: string }
  | { kind: 'if-db-missing'; database: string; body: Statement }
  | {
      kind: 'if-not-exists';
      catalog: 'server_principals' | 'database_principals' | 'external_data_sources';
      name: string;
      body: Statement;
    }
  | { kind: 'create-database'; database: string; collation?: string }
  | { kind: 'create-login'; name: string }
  | { kind: 'create-user'; name: string; login: string }
  | { kind: 'grant'; permission: string; on?: string; to: string }
  | { kind: 'create-data-source'; name: string; location: string }
  | { kind: 'create-view'; name: string; orAlter: boolean; view: ViewDefinition }
  | { kind: 'select'; sql: string };

export interface ViewDefinition {
  select: string[];
  bulk: string;
  dataSource: string;
  format: string;
  columns: { name: string; type: string }[];
  alias: string;
  /** `alias.filepath(n) = N'value'` conditions (the only WHERE the views use). */
  filepath: { index: number; value: string }[];
}

export class StatementError extends Error {}

const ID = String.raw`(?:\[(?:[^\]]|\]\])+\]|[A-Za-z_][\w$#@]*)`;
const NAME = String.raw`${ID}(?:\s*\.\s*${ID})?`;
const LIT = "N?'(?:[^']|'')*'";

/** `[a]]b]` -> `a]b`, `abc` -> `abc`. */
export function unquote(id: string): string {
  const t = id.trim();
  return t.startsWith('[') ? t.slice(1, -1).replaceAll(']]', ']') : t;
}

export function literal(text: string): string {
  return text.trim().replace(/^N/i, '').slice(1, -1).replaceAll("''", "'");
}

/** `dbo.x`, `[dbo].[x]` or `x` as 'dbo.x' (lower-cased: the twin's catalog is case-insensitive, like the default collation). */
export function objectName(name: string): string {
  const parts = name.match(new RegExp(ID, 'g'))!.map(unquote);
  return (parts.length === 1 ? `dbo.${parts[0]}` : parts.join('.')).toLowerCase();
}

/** Comments out, then the batch split at `;` outside strings, brackets and parentheses. */
function split(batch: string): string[] {
  const chunks: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < batch.length; i++) {
    const c = batch[i]!;
    if (c === '-' && batch[i + 1] === '-') {
      while (i < batch.length && batch[i] !== '\n') i++;
      current += '\n';
      continue;
    }
    if (c === '/' && batch[i + 1] === '*') {
      const end = batch.indexOf('*/', i + 2);
      i = end < 0 ? batch.length : end + 1;
      current += ' ';
      continue;
    }
    if (c === "'" || c === '[') {
      const close = c === "'" ? "'" : ']';
      let j = i + 1;
      for (; j < batch.length; j++) {
        if (batch[j] === close) {
          if (batch[j + 1] === close) j++;
          else break;
        }
      }
      if (j >= batch.length)
        throw new StatementError(
          `Unclosed quotation mark after the character string '${batch.slice(i, i + 40)}'.`,
        );
      current += batch.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ';' && depth === 0) {
      chunks.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  chunks.push(current);
  // Drivers send their session options as SETs separated by newlines only.
  return chunks
    .flatMap((chunk) => (/^\s*set\s/i.test(chunk) ? chunk.split(/\n(?=\s*set\s)/i) : [chunk]))
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter((s) => s.length > 0);
}

const SET_OPTIONS =
  /^SET (TEXTSIZE -?\d+|QUOTED_IDENTIFIER (ON|OFF)|ARITHABORT (ON|OFF)|NUMERIC_ROUNDABORT (ON|OFF)|ANSI_WARNINGS (ON|OFF)|ANSI_PADDING (ON|OFF)|ANSI_NULLS (ON|OFF)|ANSI_NULL_DFLT_ON (ON|OFF)|CONCAT_NULL_YIELDS_NULL (ON|OFF)|CURSOR_CLOSE_ON_COMMIT (ON|OFF)|IMPLICIT_TRANSACTIONS (ON|OFF)|NOCOUNT (ON|OFF)|XACT_ABORT (ON|OFF)|LANGUAGE [\w_]+|DATEFORMAT \w+|DATEFIRST \d|TRANSACTION ISOLATION LEVEL (READ (UN)?COMMITTED|REPEATABLE READ|SERIALIZABLE|SNAPSHOT))$/i;

function parseView(body: string, where: string): ViewDefinition {
  const m = new RegExp(
    String.raw`^SELECT (.+?) FROM OPENROWSET\( ?BULK (${LIT}) ?, ?DATA_SOURCE ?= ?(${LIT}) ?, ?FORMAT ?= ?(${LIT}) ?\) WITH \( ?(.+?) ?\) AS (${ID})(?: WHERE (.+))?$`,
    'i',
  ).exec(body);
  if (!m)
    throw new StatementError(
      `${where}: only SELECT ... FROM OPENROWSET(BULK ..., DATA_SOURCE = ..., FORMAT = 'PARQUET') WITH (...) AS alias [WHERE alias.filepath(n) = N'...'] is supported`,
    );
  const alias = unquote(m[6]!);
  const columns = m[5]!.split(/,(?![^(]*\))/).map((c) => {
    const col = new RegExp(String.raw`^\s*(${ID})\s+(.+?)\s*$`).exec(c);
    if (!col) throw new StatementError(`${where}: cannot read the WITH column '${c.trim()}'`);
    return { name: unquote(col[1]!), type: col[2]!.toUpperCase() };
  });
  const filepath: ViewDefinition['filepath'] = [];
  if (m[7]) {
    for (const cond of m[7].split(/ AND /i)) {
      const f = new RegExp(String.raw`^(${ID})\.filepath\((\d+)\) ?= ?(${LIT})$`, 'i').exec(cond.trim());
      if (!f || unquote(f[1]!) !== alias)
        throw new StatementError(
          `${where}: only ${alias}.filepath(n) = N'...' conditions are supported, not '${cond.trim()}'`,
        );
      filepath.push({ index: Number(f[2]), value: literal(f[3]!) });
    }
  }
  return {
    select: m[1]!.split(',').map((s) => unquote(s)),
    bulk: literal(m[2]!),
    dataSource: literal(m[3]!),
    format: literal(m[4]!).toUpperCase(),
    columns,
    alias,
    filepath,
  };
}

type Form = [source: string, build: (m: RegExpExecArray) => Statement];

/** Each statement form the twin knows, as a pattern over the statement with its whitespace collapsed. */
const FORMS: Form[] = [
  [
    `IF DB_ID\\((${LIT})\\) IS NULL (.+)`,
    (m) => ({ kind: 'if-db-missing', database: literal(m[1]!), body: parseOne(m[2]!) }),
  ],
  [
    `IF NOT EXISTS \\( ?SELECT \\* FROM sys\\.(server_principals|database_principals|external_data_sources) WHERE name = (${LIT}) ?\\) (.+)`,
    (m) => ({
      kind: 'if-not-exists',
      catalog: m[1]!.toLowerCase() as 'server_principals',
      name: literal(m[2]!),
      body: parseOne(m[3]!),
    }),
  ],
  [
    `CREATE DATABASE (${ID})(?: COLLATE (\\w+))?`,
    (m) => ({ kind: 'create-database', database: unquote(m[1]!), ...(m[2] ? { collation: m[2] } : {}) }),
  ],
  [`CREATE LOGIN (${ID}) FROM EXTERNAL PROVIDER`, (m) => ({ kind: 'create-login', name: unquote(m[1]!) })],
  [
    `CREATE USER (${ID}) FROM (?:LOGIN (${ID})|EXTERNAL PROVIDER)`,
    (m) => ({ kind: 'create-user', name: unquote(m[1]!), login: unquote(m[2] ?? m[1]!) }),
  ],
  [
    `GRANT ([A-Z ]+?)(?: ON (?:(SCHEMA|OBJECT)::)?(${NAME}))? TO (${ID})`,
    (m) => {
      const schema = m[2]?.toUpperCase() === 'SCHEMA';
      const on = m[3]
        ? `${schema ? 'SCHEMA' : 'OBJECT'}::${schema ? unquote(m[3]).toLowerCase() : objectName(m[3])}`
        : undefined;
      return { kind: 'grant', permission: m[1]!.toUpperCase(), ...(on ? { on } : {}), to: unquote(m[4]!) };
    },
  ],
  [
    `CREATE EXTERNAL DATA SOURCE (${ID}) WITH \\( ?LOCATION ?= ?(${LIT}) ?\\)`,
    (m) => ({ kind: 'create-data-source', name: unquote(m[1]!), location: literal(m[2]!) }),
  ],
  [
    `CREATE (OR ALTER )?VIEW (${NAME}) AS (.+)`,
    (m) => ({
      kind: 'create-view',
      name: objectName(m[2]!),
      orAlter: Boolean(m[1]),
      view: parseView(m[3]!, `view ${m[2]}`),
    }),
  ],
];

function parseOne(s: string): Statement {
  if (SET_OPTIONS.test(s)) return { kind: 'set', option: s.slice(4) };
  for (const [source, build] of FORMS) {
    const m = new RegExp(`^${source}$`, 'i').exec(s);
    if (m) return build(m);
  }
  if (/^SELECT [^;]+$/i.test(s) && !/\b(INTO|OPENROWSET|OPENDATASOURCE|EXEC)\b/i.test(s))
    return { kind: 'select', sql: s };
  throw new StatementError(
    `Keyword or statement option '${s.split(' ').slice(0, 3).join(' ')}' is not supported in this version of SQL Server.`,
  );
}

/** Every statement of the batch, or StatementError naming the first that is not understood. */
export function parseBatch(batch: string): Statement[] {
  return split(batch).map(parseOne);
}
