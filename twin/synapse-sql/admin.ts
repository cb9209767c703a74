import { guidOf } from '../rbac/estate.ts';

/**
 * A member of the Entra group the prod stack makes Synapse's SQL administrator (`synapse.adminObjectId`,
 * infra/families.ts: WorkspaceAadAdmin). A person, not a stack identity: it runs the one-time grants
 * (infra/synapse-grants.ts) and nothing in the pipeline signs in as it.
 */
export const SQL_ADMIN = {
  name: 'prod/sql-administrators member',
  environment: 'prod' as const,
  principalId: guidOf('mm/prod/sql-administrators/member'),
  clientId: guidOf('mm/prod/sql-administrators/member/app'),
};
