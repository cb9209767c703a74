import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/types.ts';

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out.sort();
}

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, ...relative.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/**
 * The behaviour every BlobStore must have, run against each implementation so the local folder and ADLS
 * (through Azurite) are interchangeable for the steps.
 */
export function describeBlobStoreContract(name: string, make: () => Promise<BlobStore>): void {
  describe(`${name} (BlobStore contract)`, () => {
    let store: BlobStore;
    let work: string;

    beforeEach(async () => {
      store = await make();
      work = await mkdtemp(path.join(tmpdir(), 'mm-blob-'));
    });
    afterEach(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('puts and gets bytes and strings under keys with spaces, equals signs and unicode', async () => {
      await store.put('prepared/Store=ü 1/part.parquet', new Uint8Array([0, 1, 2, 255]));
      await store.put('runs/r1/manifest.json', '{"ok":true}');
      expect([...((await store.get('prepared/Store=ü 1/part.parquet')) ?? [])]).toEqual([0, 1, 2, 255]);
      expect(text(await store.get('runs/r1/manifest.json'))).toBe('{"ok":true}');
    });

    it('answers undefined / false for a key that is not there, and overwrites whole values', async () => {
      expect(await store.get('nothing/here.json')).toBeUndefined();
      expect(await store.exists('nothing/here.json')).toBe(false);
      await store.put('a/value.txt', 'first version, long');
      await store.put('a/value.txt', 'second');
      expect(text(await store.get('a/value.txt'))).toBe('second');
      expect(await store.exists('a/value.txt')).toBe(true);
    });

    it('reads a byte range: the bytes asked for, fewer at the end, none past it, undefined without the blob', async () => {
      await store.put('registry/prod/packs/p.jsonl', '0123456789');
      expect(text(await store.getRange('registry/prod/packs/p.jsonl', 3, 4))).toBe('3456');
      expect(text(await store.getRange('registry/prod/packs/p.jsonl', 8, 5))).toBe('89');
      expect((await store.getRange('registry/prod/packs/p.jsonl', 10, 5))?.length).toBe(0);
      expect(await store.getRange('registry/prod/packs/none.jsonl', 0, 5)).toBeUndefined();
    });

    it('lists by string prefix, like blob listing: runs/r1 matches runs/r1/... and runs/r10/...', async () => {
      for (const key of [
        'runs/r1/a.json',
        'runs/r1/b/c.json',
        'runs/r10/a.json',
        'runs/r2/a.json',
        'top.txt',
      ]) {
        await store.put(key, key);
      }
      expect(await collect(store.list('runs/r1/'))).toEqual(['runs/r1/a.json', 'runs/r1/b/c.json']);
      expect(await collect(store.list('runs/r1'))).toEqual([
        'runs/r1/a.json',
        'runs/r1/b/c.json',
        'runs/r10/a.json',
      ]);
      expect(await collect(store.list(''))).toHaveLength(5);
      expect(await collect(store.list('missing/'))).toEqual([]);
    });

    it('deletes a key, and deleting a missing key is not an error', async () => {
      await store.put('d/x.txt', 'x');
      await store.delete('d/x.txt');
      await store.delete('d/x.txt');
      expect(await store.exists('d/x.txt')).toBe(false);
    });

    it.each([
      ['../escape.txt', "'..' segment"],
      ['/abs/key', 'relative'],
      ['a//b', 'empty segment'],
      ['a\\b', "use '/'"],
      ['', 'empty'],
      ['folder/', 'names a folder'],
    ])('rejects the key %j with a message and writes nothing', async (key, why) => {
      await expect(store.put(key, 'x')).rejects.toThrow(why);
      expect(await collect(store.list(''))).toEqual([]);
    });

    it('uploads a folder, then skips every file on a re-run, and re-sends only a changed file', async () => {
      const local = path.join(work, 'up');
      await writeTree(local, {
        'bucket=000/part.parquet': 'aaaa',
        'bucket=001/part.parquet': 'bbbb',
        'meta.json': '{}',
      });
      await writeFile(path.join(local, '.meta.json.abc123.tmp'), 'half-written');
      expect(await store.uploadDir(local, 'prepared')).toBe(3);
      expect(await collect(store.list('prepared/'))).toEqual([
        'prepared/bucket=000/part.parquet',
        'prepared/bucket=001/part.parquet',
        'prepared/meta.json',
      ]);
      expect(await store.uploadDir(local, 'prepared/')).toBe(0);
      // Same size, different bytes: a size-only comparison would miss this.
      await writeFile(path.join(local, 'bucket=001/part.parquet'), 'BBBB');
      expect(await store.uploadDir(local, 'prepared')).toBe(1);
      expect(text(await store.get('prepared/bucket=001/part.parquet'))).toBe('BBBB');
    });

    it('downloads a prefix into a folder, then skips files that are already there', async () => {
      await store.put('runs/r1/manifest.json', 'm');
      await store.put('runs/r1/models/mm-a-000000000000.json', 'a');
      await store.put('runs/r2/manifest.json', 'other run');
      const local = path.join(work, 'down');
      expect(await store.downloadDir('runs/r1', local)).toBe(2);
      expect(await readFile(path.join(local, 'models', 'mm-a-000000000000.json'), 'utf8')).toBe('a');
      expect(await readFile(path.join(local, 'manifest.json'), 'utf8')).toBe('m');
      expect(await store.downloadDir('runs/r1/', local)).toBe(0);
      await store.put('runs/r1/manifest.json', 'n');
      expect(await store.downloadDir('runs/r1', local)).toBe(1);
      expect(await readFile(path.join(local, 'manifest.json'), 'utf8')).toBe('n');
    });

    it('uploads nothing from a folder that does not exist', async () => {
      expect(await store.uploadDir(path.join(work, 'absent'), 'x')).toBe(0);
    });
  });
}
