import mssql from 'mssql';
import { sqlConfig } from '../../../src/azure/synapse.ts';
import { TokenIssuer } from '../../../twin/identity/tokens.ts';
import { installTwinHosts } from '../../../twin/network/hosts.ts';
import { TwinEstate } from '../../../twin/rbac/estate.ts';
import { duckSelect } from '../../../twin/synapse-sql/duck-select.ts';
import { estateDirectory, SQL_AUDIENCE, startSynapseSql } from '../../../twin/synapse-sql/endpoint.ts';
import type { SelectRunner } from '../../../twin/synapse-sql/sql-executor.ts';
import { selfSignedCertificate, trustTwinCertificate } from '../../../twin/tls.ts';

/** A member of the workspace's Entra admin group (not a stack identity: a person or a group the admin designates). */
export const ADMIN = {
  principalId: '6d1f0b57-0000-4000-8000-00000000ad01',
  clientId: '6d1f0b57-0000-4000-8000-00000000ad02',
};

/**
 * The twin's Synapse serverless endpoint on its own loopback address, port 1433, its host name resolved to it in
 * this process (as twin/network/hosts.ts does for a stage), its certificate trusted as the twin's.
 */
export async function synapseFixture(
  options: { select?: SelectRunner; estate?: TwinEstate; issuer?: TokenIssuer } = {},
) {
  const estate = options.estate ?? new TwinEstate();
  const issuer = options.issuer ?? new TokenIssuer(estate.tenantId);
  const host = `${estate.names.prod.synapse}-ondemand.sql.azuresynapse.net`;
  const tls = selfSignedCertificate(['*.sql.azuresynapse.net']);
  trustTwinCertificate(tls.cert);
  const sql = await startSynapseSql({
    issuer,
    tls,
    admins: [ADMIN.principalId],
    directory: estateDirectory(estate),
    select: options.select ?? duckSelect(async () => []),
  });
  installTwinHosts({ [host]: sql.address.host });
  const tokenOf = (
    who: { principalId: string; clientId: string },
    lifetimeS = 3600,
    audience = SQL_AUDIENCE,
  ) => issuer.issue(who, audience, lifetimeS);
  /** The product's mssql configuration (src/azure/synapse.ts sqlConfig), connected with the real client. */
  const connect = (database: string, token: string) =>
    new mssql.ConnectionPool(
      sqlConfig(host, database, token, { connectTimeoutMs: 10_000 } as never),
    ).connect();
  return { estate, issuer, host, sql, tokenOf, connect, stop: () => sql.stop() };
}
