import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdlsLakeSession } from '../../src/lake/adls-session.ts';
import { startLakes } from '../twin/lake-fixture.ts';

// Issue 13, defect 3: the lake is an ADLS Gen2 account with a hierarchical namespace. Its listings carry directory
// entries and it refuses to delete a non-empty directory; the twin's lake behaves so (twin/storage/hns-proxy.ts).
let twin: Awaited<ReturnType<typeof startLakes>>;
let work: string;

beforeAll(async () => {
  twin = await startLakes();
  work = mkdtempSync(path.join(tmpdir(), 'mm-hns-'));
});
afterAll(async () => {
  await twin?.stop();
  rmSync(work, { recursive: true, force: true });
});

function write(root: string, rel: string, text: string) {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

describe('the lake on a hierarchical-namespace account', () => {
  it('lists only files, though the account also returns the directories they are in', async () => {
    const store = twin.store('dev', 'dev/training');
    await store.put('listing/bucket=000/part.parquet', 'a');
    await store.put('listing/bucket=001/part.parquet', 'b');
    const keys: string[] = [];
    for await (const key of store.list('listing/')) keys.push(key);
    expect(keys.sort()).toEqual(['listing/bucket=000/part.parquet', 'listing/bucket=001/part.parquet']);
  });

  it('downloads a folder of nested files as files, not its directory entries', async () => {
    const store = twin.store('dev', 'dev/training');
    await store.put('down/bucket=000/part.parquet', 'zero');
    await store.put('down/bucket=000/deeper/x.json', '{}');
    const local = path.join(work, 'down');
    expect(await store.downloadDir('down', local)).toBe(2);
    expect(filesUnder(local)).toEqual(['bucket=000/deeper/x.json', 'bucket=000/part.parquet']);
    expect(readFileSync(path.join(local, 'bucket=000/part.parquet'), 'utf8')).toBe('zero');
  });

  it('mirrors a smaller prepare over a bigger one: stale files and their empty directories go', async () => {
    const store = twin.store('dev', 'dev/dataprep');
    const cache = path.join(work, 'cache');
    const session = new AdlsLakeSession(store, cache);
    for (const bucket of ['000', '001', '002'])
      write(cache, `prepared/bucket=${bucket}/part.parquet`, bucket);
    await session.mirror('prepared');
    rmSync(path.join(cache, 'prepared/bucket=002'), { recursive: true });
    rmSync(path.join(cache, 'prepared/bucket=001'), { recursive: true });
    write(cache, 'prepared/bucket=000/part.parquet', 'new 000');
    await session.mirror('prepared');
    const keys: string[] = [];
    for await (const key of store.list('prepared/')) keys.push(key);
    expect(keys).toEqual(['prepared/bucket=000/part.parquet']);
    expect(Buffer.from((await store.get('prepared/bucket=000/part.parquet'))!).toString()).toBe('new 000');
    // The empty directories of the removed buckets are gone too (readers that list directories see no ghosts).
    const entries: string[] = [];
    for await (const item of store.container.listBlobsFlat({ prefix: 'prepared/' })) entries.push(item.name);
    expect(entries.sort()).toEqual(['prepared/bucket=000', 'prepared/bucket=000/part.parquet']);
  });

  it('refuses a caller without a data role on the container: the promotion identity cannot write the dev lake', async () => {
    const store = twin.store('dev', 'prod/promotion');
    expect(await store.exists('listing/bucket=000/part.parquet')).toBe(true);
    await expect(store.put('runs/x/decisions.json', '[]')).rejects.toThrow(
      /403 AuthorizationPermissionMismatch/,
    );
  });
});
