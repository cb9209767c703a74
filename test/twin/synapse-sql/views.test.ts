import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synapseGrants } from '../../../infra/synapse-grants.ts';
import { refreshPredictionsView } from '../../../src/azure/synapse.ts';
import { dfsUrl, predictionsViewColumns } from '../../../src/azure/synapse-sql.ts';
import { queryOnce } from '../../../src/data/duckdb.ts';
import { twinCredential } from '../../../twin/storage/lakes.ts';
import { duckSelect } from '../../../twin/synapse-sql/duck-select.ts';
import { lakeViewFiles } from '../../../twin/synapse-sql/lake-files.ts';
import { startLakes } from '../lake-fixture.ts';
import { ADMIN, synapseFixture } from './fixture.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
const DATABASE = 'manymodels';
const PARTITION_BY = ['Store'];
const TIME = 'WeekStarting';

/** A predictions file with the scorer's columns and Parquet types (src/contracts/predictions.ts), `rows` rows. */
async function predictionsParquet(file: string, runId: string, rows: number): Promise<void> {
  const columns = predictionsViewColumns(PARTITION_BY, TIME).map((c) => {
    const value: Record<string, string> = {
      Store: `'store-' || i`,
      [TIME]: `DATE '2024-01-01' + CAST(i * 7 AS INTEGER)`,
      forecast: 'i * 1.5',
      horizon_step: 'i',
      status: `'ok'`,
      run_id: `'${runId}'`,
      scored_at: `TIMESTAMP '2024-03-01 12:00:00'`,
      baseline_model: 'false',
      used_fallback: 'false',
    };
    return `CAST(${value[c.name] ?? 'NULL'} AS ${c.parquetType}) AS "${c.name}"`;
  });
  await queryOnce(
    `COPY (SELECT ${columns.join(', ')} FROM range(1, ${rows + 1}) t(i)) TO '${file}' (FORMAT parquet)`,
  );
}

describe('the Synapse views on the twin: the refresh creates them, a reader queries them over the lake', () => {
  let lakes: Awaited<ReturnType<typeof startLakes>>;
  let f: Awaited<ReturnType<typeof synapseFixture>>;
  let work: string;
  const refresh = (principal: string) =>
    refreshPredictionsView({
      server: f.host,
      database: DATABASE,
      // The dataset's folder of the prod lake, as the score stage renders it (dfsUrl of the env file's blob URL).
      lakeUrl: `${dfsUrl(`https://${f.estate.names.prod.lake}.blob.core.windows.net/`, 'lake')}/datasets/demo`,
      credential: twinCredential(f.issuer, f.estate.principal(principal)),
      partitionBy: PARTITION_BY,
      timeColumn: TIME,
      latestRunId: 'score-2',
      sqlDir: path.join(repo, 'pipelines/synapse'),
      attempts: 1,
    });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'mm-syn-views-'));
    lakes = await startLakes();
    const { estate, issuer } = lakes;
    f = await synapseFixture({
      estate,
      issuer,
      select: duckSelect(
        lakeViewFiles({
          accountUrl: (account) =>
            estate.environmentOfAccount(account) ? lakes.lakes.proxy.accountUrl(account) : undefined,
          credentialFor: (sid) =>
            twinCredential(
              issuer,
              estate.byPrincipalId(sid) ?? {
                name: sid,
                environment: 'prod',
                principalId: sid,
                clientId: sid,
              },
            ),
          workDir: work,
        }),
      ),
    });
    const store = lakes.store('prod', 'prod/scoring');
    for (const [run, rows] of [
      ['score-1', 3],
      ['score-2', 2],
    ] as const) {
      const file = path.join(work, `${run}.parquet`);
      await predictionsParquet(file, run, rows);
      await store.put(`datasets/demo/predictions/run_id=${run}/predictions.parquet`, readFileSync(file));
    }
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
    await lakes?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('given no bootstrap, when Score refreshes as the scoring identity with only a login, then CREATE DATABASE is refused (262): defect 4, Synapse half', async () => {
    const admin = await f.connect('master', f.tokenOf(ADMIN));
    await admin.request().batch('CREATE LOGIN [mm-prod-id-scoring] FROM EXTERNAL PROVIDER;');
    await admin.close();
    await expect(refresh('prod/scoring')).rejects.toThrow(
      "CREATE DATABASE permission denied in database 'master'.",
    );
  });

  it('given the one-time grants run by the admin, when Score refreshes as the scoring identity, then the views exist and read the lake', async () => {
    const grants = synapseGrants({ database: DATABASE, identity: 'mm-prod-id-scoring' });
    const master = await f.connect('master', f.tokenOf(ADMIN));
    await master.request().batch(grants.master);
    await master.close();
    const db = await f.connect(DATABASE, f.tokenOf(ADMIN));
    await db.request().batch(grants.database);
    // The reader Power BI would be: the prod auditor (Storage Blob Data Reader on the lake), given SELECT.
    await db
      .request()
      .batch(
        [
          'CREATE USER [mm-prod-id-auditor] FROM EXTERNAL PROVIDER;',
          'GRANT ADMINISTER DATABASE BULK OPERATIONS TO [mm-prod-id-auditor];',
        ].join('\n'),
      );
    await refresh('prod/scoring');
    await db
      .request()
      .batch(
        'GRANT SELECT ON dbo.latest_predictions TO [mm-prod-id-auditor]; GRANT SELECT ON OBJECT::dbo.predictions TO [mm-prod-id-auditor];',
      );
    await db.close();
    expect([...f.sql.catalog.database(DATABASE)!.views.keys()].sort()).toEqual([
      'dbo.latest_predictions',
      'dbo.predictions',
    ]);

    const admin = await f.connect('master', f.tokenOf(ADMIN));
    await admin.request().batch('CREATE LOGIN [mm-prod-id-auditor] FROM EXTERNAL PROVIDER;');
    await admin.close();
    const reader = await f.connect(DATABASE, f.tokenOf(f.estate.principal('prod/auditor')));
    try {
      const latest = await reader
        .request()
        .batch(
          `SELECT [Store], [${TIME}], forecast, horizon_step, baseline_model, scored_at, run_id FROM dbo.latest_predictions ORDER BY horizon_step`,
        );
      expect(latest.recordset).toEqual([
        {
          Store: 'store-1',
          [TIME]: new Date('2024-01-08T00:00:00Z'),
          forecast: 1.5,
          horizon_step: 1,
          baseline_model: false,
          scored_at: new Date('2024-03-01T12:00:00Z'),
          run_id: 'score-2',
        },
        {
          Store: 'store-2',
          [TIME]: new Date('2024-01-15T00:00:00Z'),
          forecast: 3,
          horizon_step: 2,
          baseline_model: false,
          scored_at: new Date('2024-03-01T12:00:00Z'),
          run_id: 'score-2',
        },
      ]);
      const all = await reader.request().batch('SELECT COUNT(*) AS n FROM [dbo].[predictions]');
      expect(all.recordset).toEqual([{ n: 5 }]);
    } finally {
      await reader.close();
    }
  }, 60_000);

  it('given an identity without SELECT on the view, when it queries, then 229 names the object', async () => {
    const scoring = await f.connect(DATABASE, f.tokenOf(f.estate.principal('prod/scoring')));
    try {
      await expect(
        scoring.request().batch('SELECT COUNT(*) FROM dbo.latest_predictions'),
      ).rejects.toMatchObject({
        number: 229,
        message:
          "The SELECT permission was denied on the object 'latest_predictions', database 'manymodels', schema 'dbo'.",
      });
    } finally {
      await scoring.close();
    }
  });

  it('given a reader with SELECT but no role on the lake, when it queries, then storage refuses it as itself (13807)', async () => {
    const admin = await f.connect('master', f.tokenOf(ADMIN));
    await admin.request().batch('CREATE LOGIN [mm-prod-id-build] FROM EXTERNAL PROVIDER;');
    await admin.close();
    const db = await f.connect(DATABASE, f.tokenOf(ADMIN));
    await db
      .request()
      .batch(
        'CREATE USER [mm-prod-id-build] FROM LOGIN [mm-prod-id-build]; GRANT SELECT ON dbo.predictions TO [mm-prod-id-build]; GRANT ADMINISTER DATABASE BULK OPERATIONS TO [mm-prod-id-build];',
      );
    await db.close();
    const build = await f.connect(DATABASE, f.tokenOf(f.estate.principal('prod/build')));
    try {
      await expect(build.request().batch('SELECT COUNT(*) FROM dbo.predictions')).rejects.toMatchObject({
        number: 13807,
      });
    } finally {
      await build.close();
    }
  });
});
