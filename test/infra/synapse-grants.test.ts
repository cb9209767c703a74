import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { synapseGrants } from '../../infra/synapse-grants.ts';
import { venvProgram } from '../pipelines/python.ts';

// Issue 18 item 12: the scoring identity is a database user with only what the view refresh needs, never a
// server administrator; the bootstrap the admin group runs once is generated, parsed as T-SQL and checked here.

const sqlfluff = venvProgram('sql', 'sqlfluff');
const SQL_DIR = path.resolve(import.meta.dirname, '../../pipelines/synapse');
const grants = synapseGrants({ database: 'manymodels', identity: 'mm-prod-id-scoring' });

function parses(sql: string): { ok: boolean; output: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mm-grants-')), 'bootstrap.sql');
  writeFileSync(file, sql);
  const r = spawnSync(sqlfluff!, ['parse', '--dialect', 'tsql', '--format', 'json', file], {
    encoding: 'utf8',
  });
  return {
    ok: r.status === 0 && !r.stdout.includes('unparsable'),
    output: `${r.stdout}\n${r.stderr}`.slice(0, 2000),
  };
}

describe('the Synapse bootstrap for the scoring identity', () => {
  it('makes it a database user from Entra ID with the four grants the refresh needs, and nothing else', () => {
    expect(grants.master).toContain('CREATE LOGIN [mm-prod-id-scoring] FROM EXTERNAL PROVIDER;');
    expect(grants.database).toContain('CREATE USER [mm-prod-id-scoring] FROM LOGIN [mm-prod-id-scoring];');
    const granted = grants.database.match(/^GRANT .*$/gm);
    expect(granted).toEqual([
      'GRANT CREATE VIEW TO [mm-prod-id-scoring];',
      'GRANT ALTER ON SCHEMA::[dbo] TO [mm-prod-id-scoring];',
      'GRANT ADMINISTER DATABASE BULK OPERATIONS TO [mm-prod-id-scoring];',
      'GRANT ALTER ANY EXTERNAL DATA SOURCE TO [mm-prod-id-scoring];',
    ]);
    // No role membership, no CONTROL, nothing server-wide: never an administrator.
    for (const sql of [grants.master, grants.database])
      expect(sql).not.toMatch(
        /sp_addrolemember|ALTER (SERVER )?ROLE|CONTROL|sysadmin|db_owner|GRANT .* ON DATABASE/i,
      );
    expect(grants.master).not.toMatch(/^GRANT/m);
  });

  it('covers what the refresh scripts do: views in dbo, OPENROWSET, and the data source check', () => {
    const scripts = [
      '002-data-source.sql',
      '003-predictions-view.sql',
      '004-latest-predictions-view.sql',
    ].map((f) => readFileSync(path.join(SQL_DIR, f), 'utf8'));
    const all = scripts.join('\n');
    expect(all).toMatch(/CREATE OR ALTER VIEW dbo\./);
    expect(all).toMatch(/OPENROWSET\(/);
    expect(all).toMatch(/CREATE EXTERNAL DATA SOURCE/);
    expect(grants.database).toMatch(/CREATE VIEW/);
    expect(grants.database).toMatch(/ADMINISTER DATABASE BULK OPERATIONS/);
    expect(grants.database).toMatch(/ALTER ANY EXTERNAL DATA SOURCE/);
    // The database the refresh's master script would create exists after the bootstrap (same collation).
    expect(grants.master).toContain('CREATE DATABASE [manymodels] COLLATE Latin1_General_100_BIN2_UTF8;');
  });

  it('refuses a name that is not a plain resource name (no T-SQL through a parameter)', () => {
    expect(() => synapseGrants({ database: 'manymodels', identity: 'x]; DROP LOGIN y; --' })).toThrow(
      "identity 'x]; DROP LOGIN y; --' is not a plain resource name",
    );
  });

  it.skipIf(!sqlfluff)(
    'is T-SQL a parser reads without an unparsable section',
    () => {
      for (const sql of [grants.master, grants.database]) {
        const parsed = parses(sql);
        expect(parsed.ok, parsed.output).toBe(true);
      }
    },
    60_000,
  );
});
