// Prints the one-time Synapse bootstrap for a stack (infra/synapse-grants.ts): run its two parts as a member of
// the Synapse SQL administrators group (many-models:synapse.adminObjectId), e.g. with sqlcmd -G.
//   node infra/scripts/synapse-grants.ts --database manymodels --identity mm-prod-id-scoring
import { parseArgs } from 'node:util';
import { synapseGrants } from '../synapse-grants.ts';

try {
  const { values } = parseArgs({
    options: { database: { type: 'string' }, identity: { type: 'string' } },
  });
  if (!values.database || !values.identity) {
    console.error(
      'usage: synapse-grants.ts --database <synapseDatabase output> --identity <scoring identity name>',
    );
    process.exit(2);
  }
  const sql = synapseGrants({ database: values.database, identity: values.identity });
  process.stdout.write(
    `-- ===== master =====\n${sql.master}\n-- ===== ${values.database} =====\n${sql.database}`,
  );
} catch (error) {
  console.error(`synapse-grants: ${(error as Error).message}`);
  process.exitCode = 2;
}
