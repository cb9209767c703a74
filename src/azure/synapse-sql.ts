import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PREDICTION_COLUMN_TYPES, PREDICTION_COLUMNS } from '../contracts/predictions.ts';
import { assertRunId } from '../core/run-id.ts';

/**
 * The predictions table as Synapse serverless SQL sees it: one column per partition column, the time column, then
 * the contract's PREDICTION_COLUMNS (`src/contracts/predictions.ts`), each with the T-SQL type of the OPENROWSET WITH clause and the Parquet (DuckDB) type that
 * `mm score` writes, so a test can hold the view and the writer to the same contract.
 */
export interface ViewColumn {
  name: string;
  sqlType: string;
  parquetType: string;
}

export function predictionsViewColumns(partitionBy: readonly string[], timeColumn: string): ViewColumn[] {
  const names = [...partitionBy, timeColumn, ...PREDICTION_COLUMNS];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name.toLowerCase())) {
      throw new Error(
        `column '${name}' appears twice in the predictions table (partition, time or fixed column)`,
      );
    }
    seen.add(name.toLowerCase());
  }
  return [
    ...partitionBy.map((name) => ({ name, sqlType: 'VARCHAR(400)', parquetType: 'VARCHAR' })),
    { name: timeColumn, sqlType: 'DATE', parquetType: 'DATE' },
    ...PREDICTION_COLUMNS.map((name) => ({ name, ...PREDICTION_COLUMN_TYPES[name] })),
  ];
}

/** T-SQL quoting: [name] with ']' doubled; N'text' with "'" doubled. */
export const sqlIdent = (name: string) => `[${name.replaceAll(']', ']]')}]`;
export const sqlLiteral = (text: string) => `N'${text.replaceAll("'", "''")}'`;

export type TemplateValues = Record<string, string>;

const PLACEHOLDER = /\{\{\s*(\w+):(ident|literal|raw)\s*\}\}/g;

/**
 * Fills `{{name:ident}}`, `{{name:literal}}` and `{{name:raw}}` (raw only for fragments rendered here). A
 * malformed placeholder or one without a value is an error: a half-rendered statement never runs.
 */
export function renderTemplate(template: string, values: TemplateValues, source: string): string {
  const malformed = /\{\{[^}]*\}\}/.exec(template.replace(PLACEHOLDER, ''));
  if (malformed) throw new Error(`${source}: unknown placeholder ${malformed[0]}`);
  return template.replace(PLACEHOLDER, (_match, name: string, kind: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${source}: no value for {{${name}:${kind}}}`);
    return kind === 'ident' ? sqlIdent(value) : kind === 'literal' ? sqlLiteral(value) : value;
  });
}

export interface SynapseScript {
  file: string;
  /** 'master' for database creation, else the many-models database. */
  target: 'master' | 'database';
  sql: string;
}

export interface SynapseSqlOptions {
  database: string;
  /** The lake container over the DFS endpoint, e.g. https://mmprodlake.dfs.core.windows.net/lake */
  lakeUrl: string;
  partitionBy: readonly string[];
  timeColumn: string;
  /** The scoring run the latest_predictions view reads (the run just published). */
  latestRunId: string;
  dataSource?: string;
  /** Folder of the *.sql templates; default pipelines/synapse below the current directory. */
  sqlDir?: string;
}

/** Every template in `pipelines/synapse`, in file order, rendered for this dataset and lake. */
export async function renderSynapseScripts(options: SynapseSqlOptions): Promise<SynapseScript[]> {
  const dir = options.sqlDir ?? path.resolve('pipelines', 'synapse');
  const columns = predictionsViewColumns(options.partitionBy, options.timeColumn);
  const values: TemplateValues = {
    database: options.database,
    data_source: options.dataSource ?? 'mm_lake',
    lake_url: options.lakeUrl,
    latest_run: assertRunId(options.latestRunId, 'the latest scoring run'),
    select_columns: columns.map((c) => sqlIdent(c.name)).join(', '),
    with_columns: columns.map((c) => `  ${sqlIdent(c.name)} ${c.sqlType}`).join(',\n'),
  };
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  if (files.length === 0) throw new Error(`no .sql files in ${dir}`);
  return Promise.all(
    files.map(async (file) => {
      const template = await readFile(path.join(dir, file), 'utf8');
      const target = /^--\s*Run on:\s*master/m.test(template) ? ('master' as const) : ('database' as const);
      return { file, target, sql: renderTemplate(template, values, path.join(dir, file)) };
    }),
  );
}

/** The lake container's DFS URL (what OPENROWSET data sources use) from the blob endpoint in the config. */
export function dfsUrl(accountUrl: string, container: string): string {
  const url = new URL(accountUrl);
  url.hostname = url.hostname.replace('.blob.', '.dfs.');
  return `${url.origin}/${container}`;
}
