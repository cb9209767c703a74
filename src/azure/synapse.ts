import type { TokenCredential } from '@azure/identity';
import mssql from 'mssql';
import { azureCredential } from './credential.ts';
import { azureCall } from './errors.ts';
import { renderSynapseScripts, type SynapseScript, type SynapseSqlOptions } from './synapse-sql.ts';

/** One open connection that runs a batch; mssql in production, a recorder in tests. */
export interface SqlSession {
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

export type SqlConnector = (config: mssql.config) => Promise<SqlSession>;

export interface RefreshPredictionsViewOptions extends SynapseSqlOptions {
  /** Serverless SQL endpoint, e.g. mm-prod-syn-ondemand.sql.azuresynapse.net (synapse.server in the env file). */
  server: string;
  credential?: TokenCredential;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Connection attempts (serverless pools can refuse the first connection while they wake up). */
  attempts?: number;
  retryDelayMs?: number;
  connect?: SqlConnector;
}

export const SQL_SCOPE = 'https://database.windows.net/.default';

/** mssql configuration for Entra ID: an access token from the credential, never a password. */
export function sqlConfig(
  server: string,
  database: string,
  token: string,
  options: RefreshPredictionsViewOptions,
): mssql.config {
  return {
    server,
    database,
    port: 1433,
    connectionTimeout: options.connectTimeoutMs ?? 30_000,
    requestTimeout: options.requestTimeoutMs ?? 120_000,
    pool: { max: 1, min: 0 },
    options: { encrypt: true, trustServerCertificate: false },
    authentication: { type: 'azure-active-directory-access-token', options: { token } },
  };
}

const mssqlConnector: SqlConnector = async (config) => {
  const pool = await new mssql.ConnectionPool(config).connect();
  return {
    async run(sql) {
      await pool.request().batch(sql);
    },
    async close() {
      await pool.close();
    },
  };
};

/** Transient per the Azure SQL guidance: connection-level failures and the "database is waking up" numbers. */
const TRANSIENT_NUMBERS = new Set([40613, 40501, 40197, 49918, 49919, 49920, 4221, 10928, 10929]);

function isTransient(error: unknown): boolean {
  const e = error as { code?: string; number?: number; originalError?: { code?: string } };
  if (e.number !== undefined && TRANSIENT_NUMBERS.has(e.number)) return true;
  const code = e.code ?? e.originalError?.code;
  return code === 'ETIMEOUT' || code === 'ESOCKET' || code === 'ECONNCLOSED';
}

async function connectWithRetry(
  config: mssql.config,
  options: RefreshPredictionsViewOptions,
): Promise<SqlSession> {
  const connect = options.connect ?? mssqlConnector;
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect(config);
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 5_000) * attempt));
    }
  }
}

/**
 * Creates (once) the serverless database and the lake data source, and (re)defines the predictions views for the
 * dataset's columns: the scripts in pipelines/synapse, rendered, run in file order. Idempotent; run after scoring.
 */
export async function refreshPredictionsView(
  options: RefreshPredictionsViewOptions,
): Promise<SynapseScript[]> {
  const scripts = await renderSynapseScripts(options);
  const credential = azureCredential({ credential: options.credential });
  const token = await credential.getToken(SQL_SCOPE);
  if (!token) throw new Error(`no token for ${SQL_SCOPE}`);
  for (const target of ['master', 'database'] as const) {
    const batch = scripts.filter((s) => s.target === target);
    if (batch.length === 0) continue;
    const database = target === 'master' ? 'master' : options.database;
    const ctx = {
      service: 'sql' as const,
      resource: `Synapse SQL ${options.server} (database ${database})`,
      operation: 'connect',
      timeoutMs: options.connectTimeoutMs ?? 30_000,
    };
    const session = await azureCall(ctx, () =>
      connectWithRetry(sqlConfig(options.server, database, token.token, options), options),
    );
    try {
      for (const script of batch) {
        await azureCall({ ...ctx, operation: `run ${script.file}` }, () => session.run(script.sql));
      }
    } finally {
      await session.close();
    }
  }
  return scripts;
}
