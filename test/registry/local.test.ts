import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelName } from '../../src/core/model-name.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { type ModelVersion, RegistryError } from '../../src/registry/types.ts';
import { lakeLayout } from '../../src/storage/layout.ts';
import { makeArtifact } from '../promotion/fixtures.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-registry-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const artifact = (key: string[], runId = 'run-1'): ModelArtifact =>
  makeArtifact({ key }, { runId, partitions: [] });
const request = (key: string[], runId = 'run-1') => ({
  artifact: artifact(key, runId),
  tags: { 'mm.run.id': runId, 'mm.key.Store': key[0] ?? '' },
});

async function all(iterable: AsyncIterable<ModelVersion>): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  for await (const v of iterable) out.push(v);
  return out;
}

/** Every file below a folder, relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** How many pack records of a registry hold versions of `name`. */
async function recordsOf(location: string, name: string): Promise<number> {
  let count = 0;
  for (const file of await filesBelow(path.join(location, 'packs'))) {
    const text = await readFile(path.join(location, 'packs', file), 'utf8');
    for (const line of text.split('\n')) if (line && JSON.parse(line).version.name === name) count++;
  }
  return count;
}

describe('LocalModelRegistry', () => {
  it('registers in bulk and reads back versions, tags and artifacts', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const versions = await registry.registerMany([request(['1', 'a']), request(['2', 'b'])]);
    expect(versions.map((v) => [v.name, v.version])).toEqual([
      [modelName(['1', 'a']), 1],
      [modelName(['2', 'b']), 1],
    ]);
    const latest = await registry.latest(modelName(['1', 'a']));
    expect(latest?.tags).toEqual({ 'mm.run.id': 'run-1', 'mm.key.Store': '1' });
    expect(latest?.size).toBe(Buffer.byteLength(JSON.stringify(artifact(['1', 'a']))));
    const loaded = await registry.load(modelName(['2', 'b']));
    expect(loaded?.artifact).toEqual(artifact(['2', 'b']));
    expect((await all(registry.list())).map((v) => v.name)).toEqual(
      [modelName(['1', 'a']), modelName(['2', 'b'])].sort(),
    );
  });

  it('keeps each stage in its own folder below the storage root', async () => {
    await new LocalModelRegistry({ root, stage: 'dev' }).registerMany([request(['1', 'a'])]);
    const prod = new LocalModelRegistry({ root, stage: 'prod' });
    expect(await prod.latest(modelName(['1', 'a']))).toBeUndefined();
    const files = await filesBelow(lakeLayout(root).registry('dev'));
    expect(files.sort()).toEqual([
      `models/${modelName(['1', 'a'])}/latest.json`,
      expect.stringMatching(/^packs\/[0-9a-f]{16}\.jsonl$/),
    ]);
  });

  it('appends versions and keeps older ones loadable', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    await registry.registerMany([request(['1', 'a'], 'run-1')]);
    const [second] = await registry.registerMany([request(['1', 'a'], 'run-2')]);
    expect(second?.version).toBe(2);
    const name = modelName(['1', 'a']);
    expect((await registry.latest(name))?.tags['mm.run.id']).toBe('run-2');
    expect((await registry.load(name, 1))?.artifact.lineage.runId).toBe('run-1');
    expect((await registry.load(name))?.artifact.lineage.runId).toBe('run-2');
    expect(await registry.load(name, 3)).toBeUndefined();
    expect(await registry.load(name, 0)).toBeUndefined();
  });

  it('registers nothing twice when the latest version already carries the idempotency tag value', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const options = { idempotencyTag: 'mm.run.id' };
    const first = await registry.registerMany([request(['1', 'a']), request(['2', 'b'])], options);
    const again = await registry.registerMany([request(['1', 'a']), request(['2', 'b'])], options);
    expect(again).toEqual(first);
    const newer = await registry.registerMany([request(['1', 'a'], 'run-2')], options);
    expect(newer[0]?.version).toBe(2);
    // Within one call too: the second request for a name sees the first one's version.
    const dup = await registry.registerMany([request(['3', 'c']), request(['3', 'c'])], options);
    expect(dup.map((v) => v.version)).toEqual([1, 1]);
    expect(await recordsOf(registry.location, modelName(['3', 'c']))).toBe(1);
    // Nothing registered, nothing written: the re-run added no pack.
    expect(await filesBelow(path.join(registry.location, 'packs'))).toHaveLength(3);
  });

  it('registers successive versions for repeated names when no idempotency tag is given', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'dev' });
    const versions = await registry.registerMany([request(['1', 'a']), request(['1', 'a'])]);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('rejects a bad request before writing anything, naming the request', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const bad = { artifact: { ...artifact(['2', 'b']), name: '../../escape' }, tags: { ok: 'yes' } };
    const badTag = { artifact: artifact(['3', 'c']), tags: { n: 5 as unknown as string } };
    const attempt = registry.registerMany([request(['1', 'a']), bad, badTag]);
    await expect(attempt).rejects.toThrow(RegistryError);
    await expect(attempt).rejects.toThrow(
      /nothing was registered; 2 invalid request\(s\):\n {2}- request 1 \(\.\.\/\.\.\/escape\): artifact name is not a model name/,
    );
    await expect(attempt).rejects.toThrow(/request 2 \(mm-3-c-[0-9a-f]{12}\): tag 'n' must be/);
    expect(await all(registry.list())).toEqual([]);
  });

  it('keeps hostile partition keys inside the registry folder', async () => {
    const hostile = [
      ['..', '/'],
      ['../../etc/passwd', 'x'],
      ['Café Zürich', '東京'],
      ['k'.repeat(1024), ' . '],
    ];
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    await registry.registerMany(hostile.map((key) => request(key)));
    const files = await filesBelow(root);
    expect(files).toHaveLength(hostile.length + 1);
    for (const file of files)
      expect(file).toMatch(
        /^registry\/prod\/(models\/mm-[a-z0-9-]+-[0-9a-f]{12}\/latest\.json|packs\/[0-9a-f]{16}\.jsonl)$/,
      );
    for (const key of hostile)
      expect((await registry.load(modelName(key)))?.artifact.partition.Store).toBe(key[0]);
    await expect(registry.latest('../../etc/passwd')).rejects.toThrow(/is not a model name/);
    await expect(registry.load('mm-x/../../y-0123456789ab')).rejects.toThrow(RegistryError);
  });

  it('answers undefined for absent models and an empty list for an empty registry', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    expect(await registry.latest(modelName(['none']))).toBeUndefined();
    expect(await registry.load(modelName(['none']))).toBeUndefined();
    expect(await all(registry.list())).toEqual([]);
  });

  it('never serves a version file the pointer does not reach (left by a killed writer)', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    await registry.registerMany([request(['1', 'a'])]);
    const name = modelName(['1', 'a']);
    const orphan = path.join(registry.location, 'models', name, 'v2.json');
    await writeFile(orphan, '{"half":');
    expect((await registry.latest(name))?.version).toBe(1);
    expect(await registry.load(name, 2)).toBeUndefined();
    const [next] = await registry.registerMany([request(['1', 'a'], 'run-2')]);
    expect(next?.version).toBe(2);
    expect((await registry.load(name, 2))?.artifact.lineage.runId).toBe('run-2');
  });

  it('reports a damaged pointer with the file path', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    await registry.registerMany([request(['1', 'a']), request(['2', 'b'])]);
    const pointer = path.join(registry.location, 'models', modelName(['1', 'a']), 'latest.json');
    await writeFile(pointer, 'not json');
    await expect(registry.latest(modelName(['1', 'a']))).rejects.toThrow(/latest\.json is not valid JSON/);
    const doc = JSON.parse(
      await readFile(path.join(registry.location, 'models', modelName(['2', 'b']), 'latest.json'), 'utf8'),
    );
    await writeFile(
      pointer,
      JSON.stringify({
        ...doc,
        version: { ...doc.version, name: modelName(['1', 'a']) },
        ref: { pack: '../../../etc/passwd', offset: 0, length: 9, sha256: doc.ref.sha256 },
      }),
    );
    await expect(registry.load(modelName(['1', 'a']))).rejects.toThrow(/is not a pack of this registry/);
  });

  it.each([
    ['non-blocking reads', false],
    ['blocking reads (a scoring worker)', true],
  ])(
    'names the pack, the byte range and the model when a pack is cut short, altered or overrun, with %s',
    async (_, blockingReads) => {
      const registry = new LocalModelRegistry({ root, stage: 'prod', blockingReads });
      await registry.registerMany([request(['1', 'a']), request(['2', 'b'])]);
      const name = modelName(['2', 'b']);
      const pointerFile = path.join(registry.location, 'models', name, 'latest.json');
      const pointer = JSON.parse(await readFile(pointerFile, 'utf8'));
      const pack = path.join(registry.location, pointer.ref.pack);
      const whole = await readFile(pack);
      const located = new RegExp(
        `registry pack ${pack.replaceAll('/', '\\/')} \\(bytes ${pointer.ref.offset}\\+${pointer.ref.length}, model ${name}`,
      );

      // Given a pack cut short (a truncated copy): the read fails, located, and says where the file ends.
      await truncate(pack, pointer.ref.offset + 10);
      const cut = registry.load(name);
      await expect(cut).rejects.toThrow(located);
      await expect(cut).rejects.toThrow(/is cut short: the file ends at byte \d+/);

      // Given one altered byte inside the record: its SHA-256 no longer matches.
      const altered = Buffer.from(whole);
      altered[pointer.ref.offset + 20] = altered[pointer.ref.offset + 20]! ^ 1;
      await writeFile(pack, altered);
      await expect(registry.load(name)).rejects.toThrow(/does not match its SHA-256/);

      // Given a pointer whose range runs past the end of the pack.
      await writeFile(pack, whole);
      await writeFile(
        pointerFile,
        JSON.stringify({ ...pointer, ref: { ...pointer.ref, offset: whole.length - 5 } }),
      );
      await expect(registry.load(name)).rejects.toThrow(/is cut short/);

      // The other model of the same pack still loads, and the registry wrote nothing while refusing.
      await writeFile(pointerFile, JSON.stringify(pointer));
      expect((await registry.load(modelName(['1', 'a'])))?.artifact).toEqual(artifact(['1', 'a']));
      expect((await registry.load(name))?.artifact).toEqual(artifact(['2', 'b']));
      expect(await filesBelow(path.join(registry.location, 'packs'))).toHaveLength(1);
    },
  );

  it('writes each version as one pack record: its metadata, its previous version and the artifact', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const [first] = await registry.registerMany([request(['1', 'a'])]);
    const [second] = await registry.registerMany([request(['1', 'a'], 'run-2')]);
    const name = modelName(['1', 'a']);
    const pointer = JSON.parse(
      await readFile(path.join(registry.location, 'models', name, 'latest.json'), 'utf8'),
    );
    expect(pointer).toEqual({
      schemaVersion: 2,
      version: second,
      ref: expect.objectContaining({ pack: expect.stringMatching(/^packs\//) }),
    });
    const bytes = await readFile(path.join(registry.location, pointer.ref.pack));
    const record = JSON.parse(
      bytes.subarray(pointer.ref.offset, pointer.ref.offset + pointer.ref.length).toString('utf8'),
    );
    expect(record).toEqual({
      schemaVersion: 2,
      version: second,
      previous: expect.objectContaining({ offset: 0 }),
      artifact: artifact(['1', 'a'], 'run-2'),
    });
    expect((await registry.load(name, 1))?.version).toEqual(first);
  });

  it('reads a registry written before packs (one document per version) and appends to it in packs', async () => {
    // Given a format-1 registry, written here as that code wrote it: v<N>.json per version plus latest.json.
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const name = modelName(['1', 'a']);
    const dir = path.join(registry.location, 'models', name);
    await mkdir(dir, { recursive: true });
    const old = (version: number): ModelVersion => ({
      name,
      version,
      tags: { 'mm.run.id': `run-${version}` },
      registeredAt: '2026-01-01T00:00:00.000Z',
      size: 10,
    });
    for (const v of [1, 2]) {
      await writeFile(
        path.join(dir, `v${v}.json`),
        JSON.stringify({ schemaVersion: 1, version: old(v), artifact: artifact(['1', 'a'], `run-${v}`) }),
      );
    }
    await writeFile(path.join(dir, 'latest.json'), JSON.stringify({ schemaVersion: 1, version: old(2) }));

    // Then it reads as before.
    expect(await registry.latest(name)).toEqual(old(2));
    expect((await registry.load(name))?.artifact.lineage.runId).toBe('run-2');
    expect((await registry.load(name, 1))?.version).toEqual(old(1));
    expect((await all(registry.list())).map((v) => v.version)).toEqual([2]);

    // When a new version is registered, it goes into a pack, and every older version stays loadable.
    const [third] = await registry.registerMany([request(['1', 'a'], 'run-3')]);
    expect(third?.version).toBe(3);
    expect((await registry.load(name))?.artifact.lineage.runId).toBe('run-3');
    expect((await registry.load(name, 2))?.artifact.lineage.runId).toBe('run-2');
    expect((await registry.load(name, 1))?.artifact.lineage.runId).toBe('run-1');
    expect(await readdir(dir)).toHaveLength(3);
  });

  it('stops before the next write when aborted', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(registry.registerMany([request(['1', 'a'])], { signal: controller.signal })).rejects.toThrow(
      'stop',
    );
    expect(await all(registry.list())).toEqual([]);
  });
});
