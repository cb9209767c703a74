// Rewrites the identities-and-roles table in docs/infra.md and docs/azure-devops.md from the access plan:
//   node infra/scripts/access-table.ts           (--check: exit 1 if a document is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { withAccessTable } from '../access-table.ts';

export const ACCESS_TABLE_DOCS = ['docs/infra.md', 'docs/azure-devops.md'];
const root = path.resolve(import.meta.dirname, '../..');

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
let stale = 0;
for (const doc of ACCESS_TABLE_DOCS) {
  const file = path.join(root, doc);
  const current = readFileSync(file, 'utf8');
  const next = withAccessTable(current, doc);
  if (next === current) continue;
  stale += 1;
  if (values.check)
    console.error(`${doc}: the access table is out of date (run node infra/scripts/access-table.ts)`);
  else writeFileSync(file, next);
}
process.exitCode = values.check && stale > 0 ? 1 : 0;
