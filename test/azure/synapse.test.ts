import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type mssql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { AzureError } from '../../src/azure/errors.ts';
import { refreshPredictionsView, type SqlConnector } from '../../src/azure/synapse.ts';
import {
  dfsUrl,
  predictionsViewColumns,
  renderSynapseScripts,
  renderTemplate,
} from '../../src/azure/synapse-sql.ts';
import { PREDICTION_COLUMNS, type PredictionRow } from '../../src/scoring/types.ts';
import { writePredictions } from '../../src/scoring/write.ts';

const SQL_DIR = path.resolve(import.meta.dirname, '../../pipelines/synapse');
const PARTITION_BY = ['Store', 'Brand'];
const TIME = 'WeekStarting';

let lake: string;
beforeAll(async () => {
  lake = await mkdtemp(path.join(tmpdir(), 'mm-synapse-'));
  const row = (
    key: string[],
    time: number | null,
    forecast: number | null,
    runId: string,
  ): PredictionRow => ({
    key,
    time,
    forecast,
    status: forecast === null ? 'no-model' : 'ok',
    modelName: `mm-${key.join('-')}-000000000000`,
    modelVersion: forecast === null ? null : 3,
    modelKind: forecast === null ? null : 'ets',
    usedFallback: false,
    fallbackPeriods: forecast === null ? null : 0,
    interval: null,
    horizonStep: forecast === null ? null : 1,
    trainingRunId: forecast === null ? null : 'train-1',
    baselineModel: forecast === null ? null : false,
    runId,
    ...(forecast === null ? { message: 'no prod model' } : {}),
  });
  // Two scoring runs, written by the real scorer: the view must read both and latest_predictions the second.
  for (const runId of ['s-1', 's-2']) {
    await writePredictions({
      rows: [
        row(['1', 'tropicana'], 20_000, 101.5, runId),
        row(['1', 'tropicana'], 20_007, 99, runId),
        row(["2 o'clock", 'x'], null, null, runId),
      ],
      partitionBy: PARTITION_BY,
      timeColumn: TIME,
      runId,
      predictionsDir: path.join(lake, 'predictions'),
      warehousePath: path.join(lake, 'warehouse.duckdb'),
    });
  }
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** The BULK path of the view, resolved against the lake root as the data source resolves it against the container. */
const bulkGlob = () => path.join(lake, 'predictions', 'run_id=*', '*.parquet');

describe('the predictions view contract (checked with DuckDB against what `mm score` writes)', () => {
  it("lists exactly the Parquet files' columns, in order, with matching types", async () => {
    const described = await query(
      `DESCRIBE SELECT * FROM read_parquet('${bulkGlob()}', hive_partitioning = false)`,
    );
    const actual = described.map((c) => [c.column_name, c.column_type]);
    const expected = predictionsViewColumns(PARTITION_BY, TIME).map((c) => [c.name, c.parquetType]);
    expect(actual).toEqual(expected);
  });

  it('has a column type for every PREDICTION_COLUMNS entry, after the partition and time columns', () => {
    const columns = predictionsViewColumns(PARTITION_BY, TIME);
    expect(columns.map((c) => c.name)).toEqual([...PARTITION_BY, TIME, ...PREDICTION_COLUMNS]);
    expect(columns.every((c) => c.sqlType.length > 0)).toBe(true);
  });

  it('reads every run through the BULK path, status-only rows included', async () => {
    const columns = predictionsViewColumns(PARTITION_BY, TIME)
      .map((c) => `"${c.name}"`)
      .join(', ');
    const rows = await query(
      `SELECT ${columns} FROM read_parquet('${bulkGlob()}', hive_partitioning = false) ORDER BY run_id, model_name, "${TIME}"`,
    );
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.status === 'no-model').map((r) => [r.Store, r.forecast, r.message])).toEqual([
      ["2 o'clock", null, 'no prod model'],
      ["2 o'clock", null, 'no prod model'],
    ]);
  });

  it('refuses a partition column that collides with a fixed column', () => {
    expect(() => predictionsViewColumns(['Store', 'Status'], TIME)).toThrow("column 'status' appears twice");
  });
});

describe('pipelines/synapse/*.sql rendered for a dataset', () => {
  const options = {
    database: 'manymodels',
    lakeUrl: dfsUrl('https://mmprodlake.blob.core.windows.net', 'lake'),
    partitionBy: ['Store', 'Br]and'],
    timeColumn: TIME,
    latestRunId: 's-2',
    sqlDir: SQL_DIR,
  };

  it('creates the database on master, then the data source and both views in it', async () => {
    const scripts = await renderSynapseScripts(options);
    expect(scripts.map((s) => [s.file, s.target])).toEqual([
      ['001-database.sql', 'master'],
      ['002-data-source.sql', 'database'],
      ['003-predictions-view.sql', 'database'],
      ['004-latest-predictions-view.sql', 'database'],
    ]);
    expect(scripts[0]?.sql).toContain(
      "IF DB_ID(N'manymodels') IS NULL\n  CREATE DATABASE [manymodels] COLLATE Latin1_General_100_BIN2_UTF8;",
    );
    expect(scripts[1]?.sql).toContain(
      "CREATE EXTERNAL DATA SOURCE [mm_lake] WITH (LOCATION = N'https://mmprodlake.dfs.core.windows.net/lake');",
    );
  });

  it('spells the predictions view with OPENROWSET over predictions/ and the contract as its WITH clause', async () => {
    const view = (await renderSynapseScripts(options))[2]!.sql;
    expect(view).toContain('CREATE OR ALTER VIEW dbo.predictions AS');
    expect(view).toContain(
      "BULK 'predictions/run_id=*/*.parquet',\n  DATA_SOURCE = N'mm_lake',\n  FORMAT = 'PARQUET'",
    );
    expect(view).toContain(
      [
        '  [Store] VARCHAR(400),',
        '  [Br]]and] VARCHAR(400),',
        '  [WeekStarting] DATE,',
        '  [forecast] FLOAT,',
        '  [horizon_step] INT,',
        '  [status] VARCHAR(16),',
        '  [model_name] VARCHAR(128),',
        '  [model_version] INT,',
        '  [model_kind] VARCHAR(32),',
        '  [training_run_id] VARCHAR(128),',
        '  [baseline_model] BIT,',
        '  [used_fallback] BIT,',
        '  [fallback_periods] INT,',
        '  [lower_80] FLOAT,',
        '  [upper_80] FLOAT,',
        '  [lower_95] FLOAT,',
        '  [upper_95] FLOAT,',
        '  [run_id] VARCHAR(128),',
        '  [scored_at] DATETIME2(6),',
        '  [message] VARCHAR(4000)',
      ].join('\n'),
    );
    expect(view).not.toMatch(/\{\{/);
  });

  it("reads only the latest run's folder in the latest view: the folder filepath(1) matches holds that run", async () => {
    const latest = (await renderSynapseScripts(options))[3]!.sql;
    expect(latest).toContain("WHERE rows.filepath(1) = N's-2';");
    // What the writer put in the folder the first wildcard matches is that run's rows, and only those.
    const rows = await query(
      `SELECT regexp_extract(filename, 'run_id=([^/]+)/', 1) AS folder, run_id, count(*) AS n
       FROM read_parquet('${bulkGlob()}', filename = true, hive_partitioning = false) GROUP BY ALL ORDER BY folder`,
    );
    expect(rows).toEqual([
      { folder: 's-1', run_id: 's-1', n: '3' },
      { folder: 's-2', run_id: 's-2', n: '3' },
    ]);
  });

  it('refuses a latest run that is not a run id, before anything is rendered', async () => {
    await expect(renderSynapseScripts({ ...options, latestRunId: "x'; DROP VIEW y; --" })).rejects.toThrow(
      'is not a run id',
    );
  });

  it('refuses a template with a placeholder it has no value for', () => {
    expect(() => renderTemplate('SELECT {{nope:ident}}', {}, 'x.sql')).toThrow(
      'x.sql: no value for {{nope:ident}}',
    );
    expect(() => renderTemplate('SELECT {{bad}}', {}, 'x.sql')).toThrow('x.sql: unknown placeholder {{bad}}');
  });
});

describe('refreshPredictionsView', () => {
  function recorder(failures: unknown[] = []) {
    const log: { database: string; token: unknown; sql?: string }[] = [];
    const connect: SqlConnector = async (config: mssql.config) => {
      const failure = failures.shift();
      if (failure) throw failure;
      log.push({ database: config.database ?? '', token: config.authentication });
      return {
        async run(sql) {
          log.push({ database: config.database ?? '', token: undefined, sql });
        },
        async close() {},
      };
    };
    return { log, connect };
  }
  const base = {
    server: 'mm-prod-syn-ondemand.sql.azuresynapse.net',
    database: 'manymodels',
    lakeUrl: 'https://mmprodlake.dfs.core.windows.net/lake',
    partitionBy: PARTITION_BY,
    timeColumn: TIME,
    latestRunId: 's-2',
    sqlDir: SQL_DIR,
    credential: staticTokenCredential('entra-token'),
    retryDelayMs: 1,
  };

  it('signs in with an Entra ID access token and runs the scripts in order, master first', async () => {
    const { log, connect } = recorder();
    await refreshPredictionsView({ ...base, connect });
    expect(log[0]).toEqual({
      database: 'master',
      token: { type: 'azure-active-directory-access-token', options: { token: 'entra-token' } },
    });
    expect(
      log
        .filter((l) => l.sql)
        .map((l) => [
          l.database,
          l.sql?.match(/CREATE (OR ALTER VIEW \S+|DATABASE|EXTERNAL DATA SOURCE)/)?.[0],
        ]),
    ).toEqual([
      ['master', 'CREATE DATABASE'],
      ['manymodels', 'CREATE EXTERNAL DATA SOURCE'],
      ['manymodels', 'CREATE OR ALTER VIEW dbo.predictions'],
      ['manymodels', 'CREATE OR ALTER VIEW dbo.latest_predictions'],
    ]);
  });

  it('retries a connection the waking serverless pool drops, a bounded number of times', async () => {
    const dropped = Object.assign(new Error('socket hang up'), { code: 'ESOCKET' });
    const { log, connect } = recorder([dropped]);
    await refreshPredictionsView({ ...base, connect });
    expect(log.filter((l) => l.sql)).toHaveLength(4);
    const always = recorder([dropped, dropped, dropped]);
    await expect(refreshPredictionsView({ ...base, connect: always.connect })).rejects.toThrow(
      'connect on Synapse SQL mm-prod-syn-ondemand.sql.azuresynapse.net (database master) failed: cannot reach',
    );
  });

  it('says which identity problem a refused login is, without retrying it', async () => {
    const refused = Object.assign(new Error("Login failed for user '<token-identified principal>'."), {
      code: 'ELOGIN',
    });
    const error = await refreshPredictionsView({ ...base, connect: recorder([refused]).connect }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AzureError);
    expect((error as Error).message).toContain(
      'login refused by Synapse SQL mm-prod-syn-ondemand.sql.azuresynapse.net',
    );
  });
});

describe('dfsUrl', () => {
  it('turns the blob endpoint of the config into the DFS URL of the lake container', () => {
    expect(dfsUrl('https://mmdevlake.blob.core.windows.net', 'lake')).toBe(
      'https://mmdevlake.dfs.core.windows.net/lake',
    );
  });
});
