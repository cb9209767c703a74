import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { describeBlobStoreContract } from './blob-store-contract.ts';

const roots: string[] = [];
async function freshStore(): Promise<FsBlobStore> {
  const root = await mkdtemp(path.join(tmpdir(), 'mm-fs-store-'));
  roots.push(root);
  return new FsBlobStore(root);
}

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describeBlobStoreContract('FsBlobStore', freshStore);

describe('FsBlobStore', () => {
  it('keeps a key as a path below its root and leaves no temporary file behind', async () => {
    const store = await freshStore();
    await store.put('prepared/bucket=001/part.parquet', 'p');
    expect(store.pathOf('prepared/bucket=001/part.parquet')).toBe(
      path.join(store.root, 'prepared', 'bucket=001', 'part.parquet'),
    );
    expect(await readFile(path.join(store.root, 'prepared/bucket=001/part.parquet'), 'utf8')).toBe('p');
    expect(await readdir(path.join(store.root, 'prepared/bucket=001'))).toEqual(['part.parquet']);
  });

  it('never lets a key escape its root', async () => {
    const store = await freshStore();
    expect(() => store.pathOf('a/../../etc/passwd')).toThrow("invalid blob key 'a/../../etc/passwd'");
  });

  it('reports a sync: files transferred, skipped and bytes', async () => {
    const source = await freshStore();
    await source.put('x/1.txt', '12345');
    await source.put('x/2.txt', '678');
    const target = await freshStore();
    const local = path.join(source.root, 'x');
    expect(await target.syncUp(local, 'copy')).toEqual({ transferred: 2, skipped: 0, bytes: 8 });
    expect(await target.syncUp(local, 'copy')).toEqual({ transferred: 0, skipped: 2, bytes: 0 });
  });
});
