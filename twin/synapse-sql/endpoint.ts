import type { TokenIssuer } from '../identity/tokens.ts';
import type { TwinEstate } from '../rbac/estate.ts';
import { SQL_ERRORS, SqlCatalog } from './catalog.ts';
import { FEATURE, FEDAUTH_LIBRARY, type Login7, TDS_7_4 } from './login.ts';
import { type TdsEvent, TdsServer, type TdsSession } from './server.ts';
import { type SelectRunner, SqlSessionExecutor } from './sql-executor.ts';
import {
  collationChange,
  DEFAULT_COLLATION,
  envChange,
  featureExtAck,
  infoToken,
  loginAck,
  type ServerMessage,
} from './tokens.ts';

/** The resource Azure SQL and Synapse SQL tokens are for ("Microsoft Entra authentication for Azure Synapse"). */
export const SQL_AUDIENCE = 'https://database.windows.net/';

export interface SynapseSqlOptions {
  issuer: TokenIssuer;
  tls: { key: string; cert: string };
  /** Object ids of the members of the workspace's Microsoft Entra admin group. */
  admins: string[];
  /** Display name -> object id, for CREATE LOGIN / CREATE USER ... FROM EXTERNAL PROVIDER. */
  directory: (displayName: string) => string | undefined;
  select: SelectRunner;
  /** Loopback address to listen on (default: a free one in 127.64.0.0/10) and port (default 1433, as Azure). */
  host?: string;
  port?: number;
}

/** A loopback address of its own, so the endpoint listens on 1433 like Azure's, whatever else runs here. */
function loopbackAddress(): string {
  const byte = () => 1 + Math.floor(Math.random() * 254);
  return `127.${64 + Math.floor(Math.random() * 64)}.${byte()}.${byte()}`;
}

/**
 * The twin's Synapse serverless SQL endpoint (`<workspace>-ondemand.sql.azuresynapse.net:1433`): TDS over TLS,
 * Entra token logins (LOGIN7 FEDAUTH), and the catalog and permission checks of sql-executor.ts.
 */
export async function startSynapseSql(options: SynapseSqlOptions) {
  const catalog = new SqlCatalog(new Set(options.admins), options.directory);
  /** Every login and batch, with who made it and how it ended (the rehearsal counts them). */
  const log: { principal: string; database: string; statements: number; errors: number[] }[] = [];
  const login = async (
    request: Login7,
    packetSize: number,
  ): Promise<{ session: TdsSession } | { error: ServerMessage }> => {
    const refused = (error: ServerMessage, why: string) => {
      log.push({
        principal: why,
        database: request.database || 'master',
        statements: 0,
        errors: [error.number],
      });
      return { error };
    };
    const token =
      request.fedAuth?.library === FEDAUTH_LIBRARY.SECURITYTOKEN ? request.fedAuth.token : undefined;
    // The twin has no SQL logins: a login without an Entra token fails as a wrong password would.
    if (!token) return refused(SQL_ERRORS.loginFailed(), 'no Entra token in LOGIN7');
    const verified = options.issuer.verify(token, SQL_AUDIENCE);
    if ('problem' in verified) return refused(SQL_ERRORS.loginFailed(), verified.problem);
    const { claims } = verified;
    if (
      claims.iss !== `https://sts.windows.net/${options.issuer.tenantId}/` ||
      claims.nbf > Date.now() / 1000
    ) {
      return refused(SQL_ERRORS.loginFailed(), 'issuer or not-before');
    }
    const sid = claims.oid;
    if (!catalog.isAdmin(sid) && !catalog.hasLogin(sid))
      return refused(SQL_ERRORS.loginFailed(), `${sid}: no login`);
    const name = request.database || 'master';
    const db = catalog.database(name);
    if (!db || (!catalog.isUser(db, sid) && db.name !== 'master'))
      return refused(SQL_ERRORS.cannotOpenDatabase(name), sid);
    const executor = new SqlSessionExecutor(catalog, db, sid, options.select);
    return {
      session: {
        loginResponse: [
          envChange(1, db.name, 'master'),
          infoToken({ number: 5701, class: 0, message: `Changed database context to '${db.name}'.` }),
          collationChange(DEFAULT_COLLATION),
          envChange(2, 'us_english', ''),
          infoToken({ number: 5703, class: 0, message: 'Changed language setting to us_english.' }),
          loginAck(TDS_7_4, 'Microsoft SQL Server', [12, 0, 0x07, 0xd0]),
          // FEDAUTH acknowledged with no data: the security-token library needs no nonce ([MS-TDS] 2.2.7.11).
          featureExtAck([{ id: FEATURE.FEDAUTH, data: Buffer.alloc(0) }]),
          envChange(4, String(packetSize), '4096'),
        ],
        async execute(sql) {
          const results = await executor.execute(sql);
          log.push({
            principal: sid,
            database: db.name,
            statements: results.length,
            errors: results.flatMap((r) => (r.kind === 'error' ? [r.error.number] : [])),
          });
          return results;
        },
      },
    };
  };
  let server: TdsServer | undefined;
  for (let attempt = 0; !server; attempt++) {
    const candidate = new TdsServer({
      host: options.host ?? loopbackAddress(),
      port: options.port ?? 1433,
      tls: options.tls,
      login,
    });
    try {
      server = await candidate.start();
    } catch (error) {
      if (attempt >= 5 || options.host || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
  return {
    catalog,
    log,
    server,
    address: server.address,
    get events(): TdsEvent[] {
      return server.events;
    },
    stop: () => server.stop(),
  };
}

export type SynapseSql = Awaited<ReturnType<typeof startSynapseSql>>;

/** The directory of the twin's tenant: each estate identity's display name is its resource name (mm-prod-id-scoring). */
export function estateDirectory(estate: TwinEstate): (displayName: string) => string | undefined {
  return (displayName) =>
    estate.principals.find((p) => {
      const [env, role] = p.name.split('/') as ['dev' | 'prod', string];
      return estate.names[env].identity(role as never).toLowerCase() === displayName.toLowerCase();
    })?.principalId;
}
