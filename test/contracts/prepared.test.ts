import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { readJsonFile } from '../../src/contracts/json-file.ts';
import { CATALOG_COLUMNS } from '../../src/contracts/prepared-catalog.ts';
import { preparedMetaSchema } from '../../src/contracts/prepared-meta.ts';
import { listPartitions, prepare, readMeta } from '../../src/data/index.ts';
import { configFor, HEADER, seriesRows, useTempDir, writeCsv } from '../data/fixtures.ts';

const tempDir = useTempDir();

async function preparedLake(): Promise<string> {
  const dir = await tempDir();
  const rows = [...seriesRows('1', 'a', 60), ...seriesRows('2', 'b', 3)];
  const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
  const out = path.join(dir, 'prepared');
  await prepare(configFor(csv, { engine: { maxFailedShare: 0.5 } }), { outDir: out });
  return out;
}

async function catalogColumns(file: string): Promise<string[]> {
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    return reader.getRowObjectsJS().map((r) => String(r.column_name));
  } finally {
    connection.closeSync();
    duck.closeSync();
  }
}

describe('the prepared lake contracts (meta.json, catalog.parquet)', () => {
  it('given a lake mm prepare wrote, when its meta and catalog are read back, then both match their contracts', async () => {
    const lake = await preparedLake();
    const meta = await readJsonFile(path.join(lake, 'meta.json'), preparedMetaSchema, 'prepared meta');
    expect(meta.partitionBy).toEqual(['Store', 'Brand']);
    expect(await catalogColumns(path.join(lake, 'catalog.parquet'))).toEqual([...CATALOG_COLUMNS]);
    const entries = await listPartitions(lake);
    expect(entries.map((e) => [e.key, e.status])).toEqual([
      [['1', 'a'], 'ok'],
      [['2', 'b'], 'too_short'],
    ]);
  });

  it('given a meta.json with a wrong field, when a stage reads it, then the error names the file and the field', async () => {
    const lake = await preparedLake();
    const file = path.join(lake, 'meta.json');
    const meta = JSON.parse(await readFile(file, 'utf8'));
    meta.buckets = 0;
    await writeFile(file, JSON.stringify(meta));
    await expect(readMeta(lake)).rejects.toThrow(`cannot read ${file}:\n  - buckets: `);
  });

  it('given a catalog row with a status prepare never writes, when it is listed, then the error names the file and the row', async () => {
    const lake = await preparedLake();
    const file = path.join(lake, 'catalog.parquet');
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    await connection.run(
      `COPY (SELECT * REPLACE (CASE WHEN status = 'ok' THEN 'fine' ELSE status END AS status) FROM read_parquet('${file}'))
         TO '${file}.new' (FORMAT parquet)`,
    );
    connection.closeSync();
    duck.closeSync();
    await writeFile(file, await readFile(`${file}.new`));
    await expect(listPartitions(lake)).rejects.toThrow(
      new RegExp(`prepared catalog ${file.replaceAll('.', '\\.')} is malformed: 0\\.status: `),
    );
  });
});
