// The Synapse scripts are T-SQL that only Synapse runs; here a T-SQL parser (sqlfluff's tsql dialect, from PyPI)
// reads every rendered script, so a syntax error is caught before the first scoring run meets it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSynapseScripts, type SynapseScript } from '../../src/azure/synapse-sql.ts';
import { venvProgram } from './python.ts';

const sqlfluff = venvProgram('sql', 'sqlfluff');
const SQL_DIR = path.resolve(import.meta.dirname, '../../pipelines/synapse');

interface Parsed {
  ok: boolean;
  tree: string;
  output: string;
}

function parse(sql: string): Parsed {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mm-tsql-')), 'script.sql');
  writeFileSync(file, sql);
  const result = spawnSync(sqlfluff!, ['parse', '--dialect', 'tsql', '--format', 'json', file], {
    encoding: 'utf8',
  });
  return { ok: result.status === 0, tree: result.stdout, output: `${result.stdout}\n${result.stderr}` };
}

/** The first value under `key` anywhere in sqlfluff's JSON parse tree. */
function findKey(node: unknown, key: string): unknown {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = findKey(child, key);
      if (found !== undefined) return found;
    }
  } else if (node && typeof node === 'object') {
    for (const [name, child] of Object.entries(node)) {
      if (name === key) return child;
      const found = findKey(child, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const render = (sqlDir = SQL_DIR): Promise<SynapseScript[]> =>
  renderSynapseScripts({
    database: 'many-models',
    lakeUrl: 'https://mmprodlake.dfs.core.windows.net/lake',
    partitionBy: ['Store', "Brand's name"],
    timeColumn: 'WeekStarting',
    latestRunId: 'score-20261130-1',
    sqlDir,
  });

describe.skipIf(!sqlfluff)('pipelines/synapse/*.sql, rendered for a dataset, read by a T-SQL parser', () => {
  it('parses every script without an unparsable section, a quote and a space in a column name included', async () => {
    const scripts = await render();
    expect(scripts).toHaveLength(4);
    for (const script of scripts) {
      const parsed = parse(script.sql);
      expect(parsed.ok, `${script.file}\n${parsed.output.slice(0, 2000)}`).toBe(true);
      expect(parsed.tree).not.toContain('unparsable');
    }
  }, 60_000);

  it('reads the latest view as one OPENROWSET filtered on filepath(1), never a second scan of every run', async () => {
    const latest = (await render()).find((s) => s.file === '004-latest-predictions-view.sql')!;
    const tree = parse(latest.sql).tree;
    expect(tree.match(/"openrowset_segment"/g)).toHaveLength(1);
    const where = JSON.stringify(findKey(JSON.parse(tree), 'where_clause'));
    expect(where).toContain('"function_name_identifier":"filepath"');
    expect(where).toContain("N'score-20261130-1'");
    expect(latest.sql).toContain("WHERE rows.filepath(1) = N'score-20261130-1';");
    expect(latest.sql).not.toContain('dbo.predictions');
  }, 60_000);

  it('fails on a script with a syntax error, so passing means something', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-tsql-templates-'));
    for (const file of ['001-database.sql', '002-data-source.sql']) {
      writeFileSync(path.join(dir, file), readFileSync(path.join(SQL_DIR, file), 'utf8'));
    }
    writeFileSync(
      path.join(dir, '003-broken.sql'),
      'CREATE OR ALTER VIEW dbo.broken AS\nSELECT {{select_columns:raw}} FROM WHERE;\n',
    );
    const broken = (await render(dir)).find((s) => s.file === '003-broken.sql')!;
    const parsed = parse(broken.sql);
    expect(parsed.ok).toBe(false);
    expect(parsed.output).toMatch(/unparsable/i);
  }, 60_000);
});
