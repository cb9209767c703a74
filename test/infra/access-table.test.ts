import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_IDENTITIES } from '../../infra/access-plan.ts';
import { accessTable, unstagedIdentities, withAccessTable } from '../../infra/access-table.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('the identities-and-roles table (generated from the access plan)', () => {
  it.each(['docs/infra.md', 'docs/azure-devops.md'])('%s holds the current table', (doc) => {
    const text = readFileSync(path.join(root, doc), 'utf8');
    // A stale table means: run `node infra/scripts/access-table.ts`.
    expect(withAccessTable(text, doc)).toBe(text);
  });

  it('names every pipeline stage with its service connection', () => {
    const table = accessTable();
    for (const s of STAGE_IDENTITIES) {
      // e.g. `training` (Image, Train; `mm-ml-dev`): the stages an identity serves, then its connection.
      if (s.pipeline === 'ml')
        expect(table).toMatch(
          new RegExp(`\\((?:[\\w, ]+, )?${s.stage}(?:, [\\w, ]+)?; \`${s.serviceConnection}\`\\)`),
        );
    }
  });

  it('leaves only identities that cluster jobs or pods use without a stage', () => {
    expect(unstagedIdentities('dev')).toEqual([]);
    expect(unstagedIdentities('prod')).toEqual(['dataprep']);
  });
});
