import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSynapseScripts } from '../../../src/azure/synapse-sql.ts';
import { STORAGE_AUDIENCE } from '../../../twin/identity/tokens.ts';
import { parseLogin7 } from '../../../twin/synapse-sql/login.ts';
import { framePackets, PACKET, ProtocolError } from '../../../twin/synapse-sql/packets.ts';
import { ADMIN, synapseFixture } from './fixture.ts';

const repo = path.resolve(import.meta.dirname, '../../..');

/** Sends raw bytes to the endpoint and resolves when the server has closed the connection. */
function sendRaw(address: { host: string; port: number }, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(address.port, address.host, () => socket.end(bytes));
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
  });
}

describe("the twin's Synapse serverless SQL endpoint (TDS 7.4 over TLS, Entra tokens)", () => {
  let f: Awaited<ReturnType<typeof synapseFixture>>;
  beforeAll(async () => {
    f = await synapseFixture();
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('given the Entra admin, when the real mssql client logs in with a token over TLS and runs the database script, then the database exists', async () => {
    const scripts = await renderSynapseScripts({
      database: 'manymodels',
      lakeUrl: 'https://mmprodlake.dfs.core.windows.net/lake/demo',
      partitionBy: ['Store'],
      timeColumn: 'WeekStarting',
      latestRunId: 'score-1',
      sqlDir: path.join(repo, 'pipelines/synapse'),
    });
    const pool = await f.connect('master', f.tokenOf(ADMIN));
    try {
      await pool.request().batch(scripts.find((s) => s.target === 'master')!.sql);
      // Idempotent, as the refresh needs: the second run finds the database and creates nothing.
      await pool.request().batch(scripts.find((s) => s.target === 'master')!.sql);
      const one = await pool.request().batch("SELECT 1 AS one, N'x' AS t");
      expect(one.recordset).toEqual([{ one: 1, t: 'x' }]);
    } finally {
      await pool.close();
    }
    expect(f.sql.catalog.database('manymodels')?.collation).toBe('Latin1_General_100_BIN2_UTF8');
  });

  it('given a token for another audience or an expired one, when it logs in, then the login fails with 18456', async () => {
    const scoring = f.estate.principal('prod/scoring');
    await expect(f.connect('master', f.tokenOf(ADMIN, 3600, STORAGE_AUDIENCE))).rejects.toThrow(
      "Login failed for user '<token-identified principal>'.",
    );
    await expect(f.connect('master', f.tokenOf(ADMIN, -120))).rejects.toThrow(/Login failed/);
    // A valid token of an identity that has no login on the server fails the same way.
    await expect(f.connect('master', f.tokenOf(scoring))).rejects.toThrow(/Login failed/);
    expect(f.sql.log.filter((l) => l.errors.includes(18456)).length).toBeGreaterThanOrEqual(3);
  });

  it('given the scoring identity with a login but not admin, when it runs CREATE DATABASE, then it gets 262 and nothing is created', async () => {
    const admin = await f.connect('master', f.tokenOf(ADMIN));
    await admin
      .request()
      .batch(
        "IF NOT EXISTS (SELECT * FROM sys.server_principals WHERE name = N'mm-prod-id-scoring')\n  CREATE LOGIN [mm-prod-id-scoring] FROM EXTERNAL PROVIDER;",
      );
    await admin.close();
    const pool = await f.connect('master', f.tokenOf(f.estate.principal('prod/scoring')));
    try {
      await expect(
        pool.request().batch("IF DB_ID(N'other') IS NULL CREATE DATABASE [other];"),
      ).rejects.toMatchObject({
        number: 262,
        message: "CREATE DATABASE permission denied in database 'master'.",
      });
    } finally {
      await pool.close();
    }
    expect(f.sql.catalog.database('other')).toBeUndefined();
  });

  it('given a statement the twin does not know, when it is sent, then the batch fails naming it and nothing runs', async () => {
    const pool = await f.connect('master', f.tokenOf(ADMIN));
    try {
      await expect(pool.request().batch('CREATE DATABASE [never];\nCREATE TABLE t (a INT);')).rejects.toThrow(
        /'CREATE TABLE t' is not supported/,
      );
    } finally {
      await pool.close();
    }
    expect(f.sql.catalog.database('never')).toBeUndefined();
  });

  it('given malformed packets, when they arrive, then the server logs a protocol error, closes that connection and keeps serving', async () => {
    const before = f.sql.events.filter((e) => e.kind === 'protocol-error').length;
    const badLength = Buffer.from([PACKET.PRELOGIN, 1, 0, 4, 0, 0, 1, 0]);
    const unknownType = Buffer.from([0x55, 1, 0, 8, 0, 0, 1, 0]);
    const loginBeforePrelogin = framePackets(PACKET.LOGIN7, Buffer.alloc(20));
    // A PRELOGIN packet that says 100 bytes, of which 20 arrive before the client hangs up.
    const truncated = Buffer.concat([
      Buffer.from([PACKET.PRELOGIN, 1, 0, 100, 0, 0, 1, 0]),
      Buffer.alloc(12),
    ]);
    for (const bytes of [badLength, unknownType, loginBeforePrelogin, truncated])
      await sendRaw(f.sql.address, bytes);
    const errors = f.sql.events
      .filter((e) => e.kind === 'protocol-error')
      .slice(before)
      .map((e) => e.detail);
    expect(errors).toEqual([
      'packet length 4 is outside 8..32767',
      'unknown packet type 0x55',
      'expected PRELOGIN, got packet type 0x10',
      'the client closed in the middle of a message',
    ]);
    const pool = await f.connect('master', f.tokenOf(ADMIN));
    await pool.close();
  });

  it('given a LOGIN7 shorter than it says, when it is parsed, then it is a protocol error, not a crash', () => {
    const login = Buffer.alloc(120);
    login.writeUInt32LE(300, 0);
    expect(() => parseLogin7(login)).toThrow(ProtocolError);
    expect(() => parseLogin7(Buffer.alloc(40))).toThrow(/shorter than its fixed part/);
  });
});
