import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mssql from 'mssql';
import { synapseGrants } from '../../infra/synapse-grants.ts';
import { sqlConfig } from '../../src/azure/synapse.ts';
import { num, queryOnce } from '../../src/data/duckdb.ts';
import { AzureBlobStore } from '../../src/storage/azure-blob-store.ts';
import type { Twin } from '../index.ts';
import { installTwinHosts } from '../network/hosts.ts';
import { twinCredential } from '../storage/lakes.ts';
import { SQL_ADMIN } from '../synapse-sql/admin.ts';
import { SQL_AUDIENCE } from '../synapse-sql/endpoint.ts';

/** The prod identity that reads the views in the rehearsal as Power BI would: it holds Storage Blob Data Reader. */
export const VIEW_READER = 'prod/auditor';

async function connect(twin: Twin, who: { principalId: string; clientId: string }, database: string) {
  // This process reaches the endpoint by its Azure name too (the stages get the same through environmentFor).
  installTwinHosts({ [twin.synapseHost]: twin.synapse.address.host });
  const token = twin.issuer.issue(who, SQL_AUDIENCE);
  return new mssql.ConnectionPool(
    sqlConfig(twin.synapseHost, database, token, { connectTimeoutMs: 20_000 } as never),
  ).connect();
}

/**
 * What docs/azure.md asks a member of the Synapse SQL administrators group to run once per stack, before the first
 * Score: the grants infra/scripts/synapse-grants.ts prints for the scoring identity, and a reader for the views
 * (a login, a user, SELECT on the schema and bulk operations; its lake role comes from the access plan).
 */
export async function bootstrapSynapse(twin: Twin): Promise<void> {
  const names = twin.estate.names.prod;
  const database = names.predictionsDatabase;
  const grants = synapseGrants({ database, identity: names.identity('scoring') });
  const reader = `[${names.identity(VIEW_READER.split('/')[1] as 'auditor')}]`;
  const master = await connect(twin, SQL_ADMIN, 'master');
  try {
    await master.request().batch(grants.master);
    await master.request().batch(`CREATE LOGIN ${reader} FROM EXTERNAL PROVIDER;`);
  } finally {
    await master.close();
  }
  const db = await connect(twin, SQL_ADMIN, database);
  try {
    await db.request().batch(grants.database);
    await db
      .request()
      .batch(
        `CREATE USER ${reader} FROM LOGIN ${reader};\nGRANT SELECT ON SCHEMA::[dbo] TO ${reader};\nGRANT ADMINISTER DATABASE BULK OPERATIONS TO ${reader};`,
      );
  } finally {
    await db.close();
  }
}

/**
 * After Score: the latest_predictions view, read through the real SQL client as the reader, against the Parquet
 * the scorer wrote for the run the view names (read from the prod lake as the same reader). Returns what failed,
 * or undefined.
 */
export async function checkLatestPredictions(
  twin: Twin,
  log: (line: string) => void,
): Promise<string | undefined> {
  const names = twin.estate.names.prod;
  const db = twin.synapse.catalog.database(names.predictionsDatabase);
  const view = db?.views.get('dbo.latest_predictions')?.view;
  const source = view && db?.dataSources.get(view.dataSource.toLowerCase());
  if (!view || !source) return 'Score did not create dbo.latest_predictions';
  const run = view.filepath[0]?.value;
  const reader = twin.estate.principal(VIEW_READER);
  const pool = await connect(twin, reader, names.predictionsDatabase);
  let sql: { n: number; forecast: number; first: Record<string, unknown> };
  try {
    const count = await pool
      .request()
      .batch('SELECT COUNT(*) AS n, SUM(forecast) AS forecast FROM dbo.latest_predictions');
    const first = await pool
      .request()
      .batch('SELECT TOP 1 * FROM dbo.latest_predictions ORDER BY forecast DESC');
    sql = {
      n: num(count.recordset[0].n),
      forecast: num(count.recordset[0].forecast),
      first: first.recordset[0],
    };
  } finally {
    await pool.close();
  }
  // The scorer's files, fetched independently of the endpoint: the data source's folder, predictions/run_id=<run>/.
  const location = new URL(source.location);
  const [container, ...prefix] = location.pathname.split('/').filter(Boolean);
  const store = new AzureBlobStore({
    accountUrl: twin.lakes.accountUrl('prod'),
    container: container!,
    credential: twinCredential(twin.issuer, reader),
    maxTries: 1,
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-syn-check-'));
  try {
    const files: string[] = [];
    for await (const key of store.list([...prefix, `predictions/run_id=${run}/`].join('/'))) {
      if (!key.endsWith('.parquet')) continue;
      const file = path.join(dir, `${files.length}.parquet`);
      writeFileSync(file, (await store.get(key))!);
      files.push(`'${file}'`);
    }
    if (files.length === 0) return `no predictions Parquet for run ${run} in the prod lake`;
    const [parquet] = await queryOnce(
      `SELECT COUNT(*) AS n, SUM(forecast) AS forecast, MAX(forecast) AS top FROM read_parquet([${files.join(', ')}])`,
    );
    const expected = { n: num(parquet!.n), forecast: num(parquet!.forecast), top: num(parquet!.top) };
    log(
      `   Synapse view dbo.latest_predictions (run ${run}) as ${VIEW_READER}: ${sql.n} rows, sum(forecast) ${sql.forecast.toFixed(3)}; the Parquet: ${expected.n} rows, ${expected.forecast.toFixed(3)}`,
    );
    if (sql.n !== expected.n || sql.n === 0)
      return `the view has ${sql.n} rows, the scorer's Parquet ${expected.n}`;
    if (Math.abs(sql.forecast - expected.forecast) > 1e-6 * Math.max(1, Math.abs(expected.forecast))) {
      return `sum(forecast) differs: view ${sql.forecast}, Parquet ${expected.forecast}`;
    }
    if (num(sql.first.forecast) !== expected.top || sql.first.run_id !== run) {
      return `the top row differs: ${JSON.stringify(sql.first)} (Parquet max forecast ${expected.top}, run ${run})`;
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
