import { sqlIdent, sqlLiteral } from '../src/azure/synapse-sql.ts';

/**
 * The one-time Synapse bootstrap (issue 18 item 12): what a member of the Entra admin group runs once per stack so
 * the scoring identity can refresh the predictions views (pipelines/synapse/*.sql) without being an
 * administrator. Each grant is the permission a statement of the refresh needs, in the predictions database only:
 * - CREATE OR ALTER VIEW: CREATE VIEW in the database and ALTER on the schema that holds the view
 *   (https://learn.microsoft.com/sql/t-sql/statements/create-view-transact-sql#permissions);
 * - OPENROWSET(BULK ...) from a database user: ADMINISTER DATABASE BULK OPERATIONS
 *   (https://learn.microsoft.com/sql/t-sql/functions/openrowset-bulk-transact-sql#permissions); the files are read
 *   with the caller's own Entra identity (pass-through: the data source has no credential), which holds Storage
 *   Blob Data Contributor on the lake container already (access-plan.ts);
 * - the refresh's idempotent `IF NOT EXISTS ... CREATE EXTERNAL DATA SOURCE`: ALTER ANY EXTERNAL DATA SOURCE
 *   (https://learn.microsoft.com/sql/t-sql/statements/create-external-data-source-transact-sql#permissions),
 *   which also makes the existing source visible to the check (metadata visibility follows permissions).
 * The database itself is created here, so the refresh's `IF DB_ID(...) IS NULL CREATE DATABASE` on master is a
 * no-op for it: the identity gets a login in master (to connect) and nothing else there.
 * Entra principals are created FROM EXTERNAL PROVIDER by their display name: a managed identity's is its
 * resource name (https://learn.microsoft.com/azure/synapse-analytics/sql/active-directory-authentication).
 */
export interface SynapseGrantsOptions {
  /** The predictions database (stack output synapseDatabase). */
  database: string;
  /** The scoring identity's display name (its resource name, e.g. mm-prod-id-scoring). */
  identity: string;
  schema?: string;
}

export interface SynapseBootstrap {
  /** Run connected to master of the serverless endpoint. */
  master: string;
  /** Run connected to the predictions database. */
  database: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function synapseGrants(options: SynapseGrantsOptions): SynapseBootstrap {
  for (const [key, value] of Object.entries({ database: options.database, identity: options.identity })) {
    if (!NAME.test(value)) throw new Error(`synapse grants: ${key} '${value}' is not a plain resource name`);
  }
  const db = options.database;
  const who = options.identity;
  const schema = options.schema ?? 'dbo';
  const master = [
    '-- Run once, connected to master, as a member of the Synapse SQL administrators group.',
    `IF DB_ID(${sqlLiteral(db)}) IS NULL`,
    `  CREATE DATABASE ${sqlIdent(db)} COLLATE Latin1_General_100_BIN2_UTF8;`,
    `IF NOT EXISTS (SELECT * FROM sys.server_principals WHERE name = ${sqlLiteral(who)})`,
    `  CREATE LOGIN ${sqlIdent(who)} FROM EXTERNAL PROVIDER;`,
    '',
  ].join('\n');
  const database = [
    `-- Run once, connected to ${db}, as a member of the Synapse SQL administrators group.`,
    `IF NOT EXISTS (SELECT * FROM sys.database_principals WHERE name = ${sqlLiteral(who)})`,
    `  CREATE USER ${sqlIdent(who)} FROM LOGIN ${sqlIdent(who)};`,
    `GRANT CREATE VIEW TO ${sqlIdent(who)};`,
    `GRANT ALTER ON SCHEMA::${sqlIdent(schema)} TO ${sqlIdent(who)};`,
    `GRANT ADMINISTER DATABASE BULK OPERATIONS TO ${sqlIdent(who)};`,
    `GRANT ALTER ANY EXTERNAL DATA SOURCE TO ${sqlIdent(who)};`,
    '',
  ].join('\n');
  return { master, database };
}
