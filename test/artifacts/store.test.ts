import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArtifactRef, writePack } from '../../src/artifacts/pack.ts';
import { blobArtifactStore, localArtifactStore } from '../../src/artifacts/store.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import type { BlobStore } from '../../src/storage/types.ts';

/** Small documents with multi-byte characters, so byte offsets and character offsets differ. */
const documents = [
  JSON.stringify({ name: 'mm-a', key: ['Zürich', '北京'] }),
  JSON.stringify({ name: 'mm-b', key: ['x'] }),
  JSON.stringify({ name: 'mm-c', key: ['é'.repeat(100)] }),
];

describe('model packs', () => {
  let runDir: string;
  beforeEach(async () => {
    runDir = await mkdtemp(path.join(os.tmpdir(), 'mm-packs-'));
  });
  afterEach(async () => {
    await rm(runDir, { recursive: true, force: true });
  });

  it('given a batch of artifacts, when packed, then one file holds them and each reference reads its own back', async () => {
    const refs = await writePack(runDir, documents);
    expect(await readdir(path.join(runDir, 'packs'))).toHaveLength(1);
    expect(new Set(refs.map((r) => parseArtifactRef(r).file)).size).toBe(1);
    const store = localArtifactStore(runDir);
    // Read out of order: positioned reads, not a cursor.
    for (const i of [2, 0, 1]) expect(await store.read(refs[i]!)).toBe(documents[i]);
    expect(await Promise.all(refs.map((r) => store.has(r)))).toEqual([true, true, true]);
  });

  it('given two batches, when packed, then they never share or overwrite a file', async () => {
    const first = await writePack(runDir, documents.slice(0, 1));
    const second = await writePack(runDir, documents.slice(0, 1));
    expect(parseArtifactRef(first[0]!).file).not.toBe(parseArtifactRef(second[0]!).file);
    expect(await writePack(runDir, [])).toEqual([]);
  });

  it('given a run written before packs, when its per-model file is read, then it reads whole', async () => {
    await mkdir(path.join(runDir, 'models'));
    await writeFile(path.join(runDir, 'models', 'mm-a.json'), documents[0]!);
    const store = localArtifactStore(runDir);
    expect(await store.read('models/mm-a.json')).toBe(documents[0]);
    expect(await store.has('models/mm-missing.json')).toBe(false);
    await expect(store.read('models/mm-missing.json')).rejects.toThrow(
      /artifact models\/mm-missing\.json cannot be read \(ENOENT\) at .*mm-missing\.json/,
    );
  });

  it('given a pack cut short (a crash before it reached the disk), then its references are absent and reading one says so', async () => {
    const refs = await writePack(runDir, documents);
    const file = path.join(runDir, parseArtifactRef(refs[0]!).file);
    await truncate(file, (await readFile(file)).length - 10);
    const store = localArtifactStore(runDir);
    expect(await store.has(refs[0]!)).toBe(true);
    expect(await store.has(refs[2]!)).toBe(false);
    await expect(store.read(refs[2]!)).rejects.toThrow(/is cut short: .* ends \d+ byte\(s\) before it/);
  });

  it('refuses references that leave the run folder or are malformed', async () => {
    const store = localArtifactStore(runDir);
    await expect(store.read('../../etc/passwd')).rejects.toThrow(/points outside the run folder/);
    await expect(store.read('packs/x.jsonl#12')).rejects.toThrow(/is not <file>#<offset>\+<length>/);
    expect(await store.has('../../etc/passwd')).toBe(false);
  });

  describe('on the lake', () => {
    let lakeRoot: string;
    let gets: string[];
    let folder: FsBlobStore;
    let lake: BlobStore;
    beforeEach(async () => {
      lakeRoot = await mkdtemp(path.join(os.tmpdir(), 'mm-packs-lake-'));
      folder = new FsBlobStore(lakeRoot);
      gets = [];
      // Count the storage operations a reader makes: the point of packs on Azure.
      lake = {
        location: folder.location,
        get: (key: string) => {
          gets.push(key);
          return folder.get(key);
        },
      } as BlobStore;
    });
    afterEach(async () => {
      await rm(lakeRoot, { recursive: true, force: true });
    });

    it('given a run uploaded to the lake, when every artifact is read, then each pack is fetched once', async () => {
      const refs = [...(await writePack(runDir, documents)), ...(await writePack(runDir, documents))];
      await folder.uploadDir(runDir, 'runs/r1');
      const store = blobArtifactStore(lake, 'runs/r1');
      const read = [];
      for (const ref of refs) read.push(await store.read(ref));
      expect(read).toEqual([...documents, ...documents]);
      expect(gets).toHaveLength(2);
      expect(store.locate(refs[0]!)).toContain('runs/r1/packs/');
      await expect(store.read('../r2/packs/x.jsonl#0+1')).rejects.toThrow(/points outside the run runs\/r1/);
      await expect(store.read('packs/none.jsonl#0+1')).rejects.toThrow(/is missing: no blob/);
    });
  });
});
