import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
      `models/${modelName(['1', 'a'])}/v1.json`,
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
    expect(await filesBelow(path.join(registry.location, 'models', modelName(['3', 'c'])))).toHaveLength(2);
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
    expect(files).toHaveLength(hostile.length * 2);
    for (const file of files)
      expect(file).toMatch(/^registry\/prod\/models\/mm-[a-z0-9-]+-[0-9a-f]{12}\/(latest|v1)\.json$/);
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

  it('reports a damaged pointer or a missing version file with the file path', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    await registry.registerMany([request(['1', 'a']), request(['2', 'b'])]);
    const dir = (key: string[]) => path.join(registry.location, 'models', modelName(key));
    await writeFile(path.join(dir(['1', 'a']), 'latest.json'), 'not json');
    await expect(registry.latest(modelName(['1', 'a']))).rejects.toThrow(/latest\.json is not valid JSON/);
    const meta = await registry.latest(modelName(['2', 'b']));
    await writeFile(
      path.join(dir(['2', 'b']), 'v1.json'),
      JSON.stringify({ schemaVersion: 1, version: meta }),
    );
    await expect(registry.load(modelName(['2', 'b']))).rejects.toThrow(
      /v1\.json holds no artifact for mm-2-b-/,
    );
    await rm(path.join(dir(['2', 'b']), 'v1.json'));
    await expect(registry.load(modelName(['2', 'b']))).rejects.toThrow(
      /points to version 1 but .*v1\.json is missing/,
    );
  });

  it('writes version files as the artifact plus its metadata, one JSON document each', async () => {
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const [version] = await registry.registerMany([request(['1', 'a'])]);
    const doc = JSON.parse(
      await readFile(path.join(registry.location, 'models', modelName(['1', 'a']), 'v1.json'), 'utf8'),
    );
    expect(doc).toEqual({ schemaVersion: 1, version, artifact: artifact(['1', 'a']) });
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
