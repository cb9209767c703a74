import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAmlClient } from '../../src/azure/aml-client.ts';
import { versionBody } from '../../src/azure/aml-model-mapping.ts';
import { AmlModelVersions } from '../../src/azure/aml-model-versions.ts';
import { AzureMlModelRegistry } from '../../src/azure/aml-registry.ts';
import { modelName } from '../../src/core/model-name.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { type ModelVersion, RegistryError } from '../../src/registry/types.ts';
import type { BlobStore } from '../../src/storage/types.ts';
import { makeArtifact } from '../promotion/fixtures.ts';
import { DEV, startAml } from './aml-fixture.ts';

let aml: Awaited<ReturnType<typeof startAml>>;
beforeAll(async () => {
  aml = await startAml();
});
afterAll(async () => {
  await aml.stop();
});
afterEach(() => {
  // Every request any test made must have been one the REST specification accepts.
  expect(aml.server.problems).toEqual([]);
});

const artifact = (key: string[], runId = 'run-1'): ModelArtifact =>
  makeArtifact({ key }, { runId, partitions: [] });
const request = (key: string[], runId = 'run-1') => ({
  artifact: artifact(key, runId),
  tags: { 'mm.run.id': runId, 'mm.key.Store': key[0] ?? '', 'mm.key.Brand': key[1] ?? '' },
});

function registry(overrides: Partial<ConstructorParameters<typeof AzureMlModelRegistry>[0]> = {}) {
  return new AzureMlModelRegistry({
    ...aml.client,
    workspace: DEV,
    stage: 'dev',
    artifactStore: aml.artifactStore(DEV),
    ...overrides,
  });
}

async function all(iterable: AsyncIterable<ModelVersion>): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  for await (const v of iterable) out.push(v);
  return out;
}

describe('AzureMlModelRegistry against the Azure ML REST specification', () => {
  it('registers in bulk: artifact to the datastore, then model and version with tags', async () => {
    const dev = registry();
    const keys = [
      ['1', 'dominicks'],
      ['2', 'tropicana'],
      ['3', 'minute.maid'],
      ['4', 'Ä/ü b'],
    ];
    const versions = await dev.registerMany(
      keys.map((k) => request(k)),
      { idempotencyTag: 'mm.run.id' },
    );
    expect(versions.map((v) => [v.name, v.version])).toEqual(keys.map((k) => [modelName(k), 1]));
    expect(versions[0]?.tags).toEqual({
      'mm.run.id': 'run-1',
      'mm.key.Store': '1',
      'mm.key.Brand': 'dominicks',
    });
    expect(versions[0]?.size).toBe(Buffer.byteLength(JSON.stringify(artifact(['1', 'dominicks']))));
    expect(Date.parse(versions[0]?.registeredAt ?? '')).not.toBeNaN();
    // Artifacts go to the lake's datastore (ADLS Gen2, read through the Blob API), below registry/<stage>.
    expect(aml.opened[0]).toEqual({
      name: 'mm_lake',
      accountUrl: 'https://mmdevlake.blob.core.windows.net',
      container: 'lake',
    });

    const put = aml.server
      .calls('ModelVersions_CreateOrUpdate')
      .find((c) => c.path.includes(`/models/${modelName(keys[0]!)}/`))?.body as {
      properties: Record<string, unknown>;
    };
    expect(put.properties.modelType).toBe('custom_model');
    expect(put.properties.modelUri).toMatch(
      new RegExp(
        `^azureml://subscriptions/${DEV.subscriptionId}/resourcegroups/mm-dev-rg/workspaces/mm-dev-mlw/datastores/` +
          'mm_lake/paths/registry/dev/packs/[0-9a-f]{16}\\.jsonl$',
      ),
    );
    // The four artifacts share one model pack; each version says where its bytes are in it.
    const bodies = aml.server
      .calls('ModelVersions_CreateOrUpdate')
      .slice(-4)
      .map(
        (c) =>
          (c.body as { properties: { modelUri: string; properties: Record<string, string> } }).properties,
      );
    expect(new Set(bodies.map((b) => b.modelUri)).size).toBe(1);
    expect(bodies.map((b) => Number(b.properties['mm.artifact.offset'])).sort((a, b) => a - b)[0]).toBe(0);
    expect(put.properties.properties).toMatchObject({
      'mm.artifact.size': String(Buffer.byteLength(JSON.stringify(artifact(keys[0]!)))),
      'mm.artifact.schema': '1',
    });

    const loaded = await dev.load(modelName(['4', 'Ä/ü b']));
    expect(loaded?.artifact).toEqual(artifact(['4', 'Ä/ü b']));
    expect(await dev.latestFor(['3', 'minute.maid'])).toMatchObject({
      name: modelName(['3', 'minute.maid']),
      version: 1,
    });
    // The listing pages through the workspace two models at a time.
    expect((await all(dev.list())).map((v) => v.name)).toEqual(keys.map((k) => modelName(k)).sort());
    expect(aml.server.calls('ModelContainers_List').length).toBeGreaterThanOrEqual(2);
  });

  it('adds nothing on an idempotent re-run, and a new version (not a new model) for a new run', async () => {
    const dev = registry();
    await dev.registerMany([request(['9', 'idem'])], { idempotencyTag: 'mm.run.id' });
    const before = aml.server.log.length;
    const again = await dev.registerMany([request(['9', 'idem'])], { idempotencyTag: 'mm.run.id' });
    expect(again[0]?.version).toBe(1);
    const rerun = aml.server.log.slice(before).map((l) => l.method);
    expect(rerun.every((m) => m === 'GET')).toBe(true);

    const containersBefore = aml.server.calls('ModelContainers_CreateOrUpdate').length;
    const next = await dev.registerMany([request(['9', 'idem'], 'run-2')], { idempotencyTag: 'mm.run.id' });
    expect(next[0]).toMatchObject({ version: 2, tags: { 'mm.run.id': 'run-2' } });
    expect(aml.server.calls('ModelContainers_CreateOrUpdate').length).toBe(containersBefore);
    expect((await dev.load(modelName(['9', 'idem']), 1))?.artifact.lineage.runId).toBe('run-1');
    expect((await dev.load(modelName(['9', 'idem'])))?.artifact.lineage.runId).toBe('run-2');
  });

  it('costs one ARM write per new model: the version PUT, no container PUT', async () => {
    const dev = registry();
    const before = aml.server.log.length;
    await dev.registerMany([request(['11', 'one-write']), request(['12', 'one-write'])], {
      idempotencyTag: 'mm.run.id',
    });
    const writes = aml.server.log.slice(before).filter((l) => l.method === 'PUT');
    expect(writes.map((w) => w.path.replace(/\?.*$/, '').split('/').slice(-3).join('/'))).toEqual(
      expect.arrayContaining([
        `${modelName(['11', 'one-write'])}/versions/1`,
        `${modelName(['12', 'one-write'])}/versions/1`,
      ]),
    );
    expect(writes).toHaveLength(2);
    expect(await dev.latest(modelName(['12', 'one-write']))).toMatchObject({ version: 1 });
  });

  it('keeps the version of a model a retrain did not change: no write, the old run id stays', async () => {
    const dev = registry();
    const withContent = (runId: string) => {
      const r = request(['13', 'same'], runId);
      const { runId: _r, trainedAt: _t, ...lineage } = r.artifact.lineage;
      return { ...r, tags: { ...r.tags, 'mm.content.sha256': JSON.stringify(lineage).length.toString() } };
    };
    await dev.registerMany([withContent('run-1')], { idempotencyTag: 'mm.run.id', keepUnchanged: true });
    const before = aml.server.log.length;
    const kept = await dev.registerMany([withContent('run-2')], {
      idempotencyTag: 'mm.run.id',
      keepUnchanged: true,
    });
    expect(kept[0]).toMatchObject({ version: 1, tags: { 'mm.run.id': 'run-1' } });
    // Found unchanged through the model index in the lake: not even a read of ARM.
    expect(aml.server.log.slice(before).filter((l) => l.operationId?.startsWith('Model'))).toEqual([]);
    // Without keepUnchanged (promotion decides for itself) the same request is a new version.
    const next = await dev.registerMany([withContent('run-2')], { idempotencyTag: 'mm.run.id' });
    expect(next[0]).toMatchObject({ version: 2 });
  });

  it('writes the model index in the lake with each version; scoring and serving read models from it, not ARM', async () => {
    await registry().registerMany([request(['21', 'indexed']), request(['22', 'indexed'])], {
      idempotencyTag: 'mm.run.id',
    });
    const reader = registry({ readsFromIndex: true });
    const before = aml.server.log.length;
    const loaded = await reader.load(modelName(['21', 'indexed']));
    expect(loaded?.artifact).toEqual(artifact(['21', 'indexed']));
    expect(loaded?.version).toMatchObject({ version: 1, tags: { 'mm.run.id': 'run-1' } });
    expect(await reader.latest(modelName(['22', 'indexed']))).toMatchObject({ version: 1 });
    expect(await reader.load(modelName(['22', 'indexed']), 1)).toBeDefined();
    // The only ARM call is the datastore look-up a new registry makes once; no model or version is read.
    const operations = aml.server.log.slice(before).map((l) => l.operationId);
    expect(operations.filter((o) => o?.startsWith('Model'))).toEqual([]);
  });

  it('mends an index entry a run killed after the version PUT left behind, and reads ARM for what is missing', async () => {
    const dev = registry();
    const name = modelName(['23', 'mended']);
    await dev.registerMany([request(['23', 'mended'])], { idempotencyTag: 'mm.run.id' });
    const store = aml.artifactStore(DEV)(aml.opened[0]!);
    const key = `registry/dev/${name}/latest.json`;
    expect(await store.exists(key)).toBe(true);
    await store.delete(key);
    // Without its entry an index reader still finds the model, through ARM.
    expect(await registry({ readsFromIndex: true }).latest(name)).toMatchObject({ version: 1 });
    // The re-run of the same registration writes no version and puts the entry back.
    const again = await dev.registerMany([request(['23', 'mended'])], { idempotencyTag: 'mm.run.id' });
    expect(again[0]?.version).toBe(1);
    expect(JSON.parse(Buffer.from((await store.get(key))!).toString('utf8'))).toMatchObject({
      schemaVersion: 1,
      name,
      version: 1,
    });
  });

  it('serves the newest version that is not archived, numbers the next past it, and forgets its index entry', async () => {
    const dev = registry();
    const name = modelName(['24', 'archived']);
    await dev.registerMany([request(['24', 'archived'], 'run-1')], { idempotencyTag: 'mm.run.id' });
    await dev.registerMany([request(['24', 'archived'], 'run-2')], { idempotencyTag: 'mm.run.id' });
    // What the ArchiveRejected stage does to a version that fails the re-verification.
    const v2 = aml.state.models(`${DEV.resourceGroup}/${DEV.workspace}`).get(name)!.versions.get('2')!;
    v2.properties = { ...v2.properties, isArchived: true };
    expect(await dev.latest(name)).toMatchObject({ version: 1, tags: { 'mm.run.id': 'run-1' } });
    expect((await dev.load(name))?.artifact.lineage.runId).toBe('run-1');
    const reader = registry({ readsFromIndex: true });
    await dev.forgetIndexEntry(name);
    expect(await reader.latest(name)).toMatchObject({ version: 1 });
    const next = await dev.registerMany([request(['24', 'archived'], 'run-3')], {
      idempotencyTag: 'mm.run.id',
    });
    expect(next[0]).toMatchObject({ version: 3, tags: { 'mm.run.id': 'run-3' } });
    expect(await reader.latest(name)).toMatchObject({ version: 3 });
  });

  it('answers undefined for a model or version that does not exist, and refuses a non-model name', async () => {
    const dev = registry();
    expect(await dev.latest(modelName(['no', 'such']))).toBeUndefined();
    expect(await dev.load(modelName(['no', 'such']))).toBeUndefined();
    await dev.registerMany([request(['8', 'one'])]);
    expect(await dev.load(modelName(['8', 'one']), 7)).toBeUndefined();
    await expect(dev.latest('../etc')).rejects.toThrow("'../etc' is not a model name");
  });

  it('checks a request batch before any call: bad input registers nothing', async () => {
    const before = aml.server.log.length;
    const bad = { artifact: { ...artifact(['5', 'x']), name: 'not a name' }, tags: {} };
    await expect(registry().registerMany([request(['5', 'ok']), bad])).rejects.toThrow(RegistryError);
    expect(aml.server.log.length).toBe(before);
  });

  it('refuses an artifact whose bytes no longer match the registered SHA-256', async () => {
    const dev = registry();
    const [v] = await dev.registerMany([request(['6', 'tamper'])]);
    const last = aml.server.calls('ModelVersions_CreateOrUpdate').at(-1)!;
    const uri = (last.body as { properties: { modelUri: string } }).properties.modelUri;
    const key = uri.split('/paths/')[1]!;
    const store = aml.artifactStore(DEV)(aml.opened[0]!);
    await store.put(key, JSON.stringify({ ...artifact(['6', 'tamper']), chosen: 'naive' }));
    await expect(dev.load(v!.name)).rejects.toThrow('does not match its registered SHA-256');
  });
});

describe('AzureMlModelRegistry model packs', () => {
  it('puts one pack blob per registration, and loads a model by a ranged read of it, through ARM or the index', async () => {
    const dev = registry();
    const keys = Array.from({ length: 6 }, (_, i) => [`p${i}`, 'packed']);
    const store = aml.artifactStore(DEV)(
      aml.opened[0] ?? { name: 'mm_lake', accountUrl: '', container: 'lake' },
    );
    const packsBefore = await keysBelow(store, 'registry/dev/packs/');
    await dev.registerMany(
      keys.map((k) => request(k)),
      { idempotencyTag: 'mm.run.id' },
    );
    const packs = (await keysBelow(store, 'registry/dev/packs/')).filter((k) => !packsBefore.includes(k));
    expect(packs).toHaveLength(1);
    // No per-model artifact blob: below the models' folders only their index entries.
    for (const k of keys)
      expect(await keysBelow(store, `registry/dev/${modelName(k)}/`)).toEqual([
        `registry/dev/${modelName(k)}/latest.json`,
      ]);
    const ranged = spyRanges(store);
    expect((await dev.load(modelName(keys[3]!)))?.artifact).toEqual(artifact(keys[3]!));
    expect((await registry({ readsFromIndex: true }).load(modelName(keys[5]!)))?.artifact).toEqual(
      artifact(keys[5]!),
    );
    expect(ranged.map((r) => r.key)).toEqual([packs[0], packs[0]]);
    ranged.restore();
  });

  it('names the pack, the range and the model when a pack is cut short, and still reads versions from before packs', async () => {
    const dev = registry();
    const name = modelName(['p9', 'cut']);
    await dev.registerMany([request(['p9', 'cut'])], { idempotencyTag: 'mm.run.id' });
    const last = aml.server.calls('ModelVersions_CreateOrUpdate').at(-1)!;
    const body = (last.body as { properties: { modelUri: string; properties: Record<string, string> } })
      .properties;
    const key = body.modelUri.split('/paths/')[1]!;
    const store = aml.artifactStore(DEV)(aml.opened[0]!);
    const whole = (await store.get(key))!;
    await store.put(key, whole.subarray(0, 40));
    const cut = dev.load(name);
    await expect(cut).rejects.toThrow(RegistryError);
    await expect(cut).rejects.toThrow(
      new RegExp(
        `model ${name} version 1: model pack .*${key.replaceAll('/', '\\/')} \\(bytes 0\\+\\d+\\) is cut short`,
      ),
    );
    await store.put(key, whole);

    // A version registered before packs: its own blob, no offset property. It still loads, checked the same way.
    const oldName = modelName(['p10', 'old']);
    const bytes = Buffer.from(JSON.stringify(artifact(['p10', 'old'])));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const oldKey = `registry/dev/${oldName}/${sha256.slice(0, 16)}.json`;
    await store.put(oldKey, bytes);
    const uri = body.modelUri.replace(/\/paths\/.*$/, `/paths/${oldKey}`);
    const versions = new AmlModelVersions(createAmlClient(DEV.subscriptionId, aml.client), DEV, aml.client);
    await versions.put(
      oldName,
      1,
      versionBody({ 'mm.run.id': 'run-0' }, { uri, size: bytes.length, sha256 }, 'registered before packs'),
    );
    expect(aml.server.calls('ModelVersions_CreateOrUpdate').at(-1)?.body).not.toHaveProperty([
      'properties',
      'properties',
      'mm.artifact.offset',
    ]);
    expect((await dev.load(oldName))?.artifact).toEqual(artifact(['p10', 'old']));
  });
});

async function keysBelow(store: BlobStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.list(prefix)) out.push(key);
  return out.sort();
}

/** Records the ranged reads a store serves (the store is the fixture's folder, shared by every registry). */
function spyRanges(store: BlobStore) {
  const calls: { key: string; offset: number; length: number }[] = [];
  const original = store.getRange.bind(store);
  store.getRange = (key, offset, length) => {
    calls.push({ key, offset, length });
    return original(key, offset, length);
  };
  const restore = () => {
    store.getRange = original;
  };
  return Object.assign(calls, { restore });
}

describe('AzureMlModelRegistry retries, timeouts and errors', () => {
  it('waits out a 429 for its Retry-After, then registers', async () => {
    aml.server.fail('ModelVersions_CreateOrUpdate', { status: 429, retryAfter: 1, code: 'TooManyRequests' });
    const [v] = await registry().registerMany([request(['7', 'throttled'])]);
    expect(v?.version).toBe(1);
    const puts = aml.server.calls('ModelVersions_CreateOrUpdate').slice(-2);
    expect(puts.map((p) => p.status)).toEqual([429, 201]);
    expect(puts[1]!.at - puts[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries 500s with back-off and succeeds when the service recovers', async () => {
    aml.server.fail('ModelContainers_Get', { status: 500 }, { status: 500 });
    const [v] = await registry().registerMany([request(['7', 'flaky'])]);
    expect(v?.version).toBe(1);
    expect(
      aml.server
        .calls('ModelContainers_Get')
        .slice(-3)
        .map((c) => c.status),
    ).toEqual([500, 500, 404]);
  });

  it('gives up after a bounded number of retries, says which model and why, and keeps the others', async () => {
    const dev = registry({ maxRetries: 2, concurrency: 1 });
    aml.server.fail('ModelVersions_CreateOrUpdate', { status: 500 }, { status: 500 }, { status: 500 });
    const error = await dev
      .registerMany([request(['11', 'down']), request(['12', 'fine'])], { idempotencyTag: 'mm.run.id' })
      .then(
        () => new Error('registered'),
        (e: unknown) => e as Error,
      );
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toContain('1 of 2 model(s) could not be registered in workspace mm-dev-mlw');
    expect(error.message).toContain(
      `register version 1 on model ${modelName(['11', 'down'])} in workspace mm-dev-mlw`,
    );
    expect(error.message).toContain('(HTTP 500) even after retries');
    expect(await dev.latest(modelName(['12', 'fine']))).toMatchObject({ version: 1 });
    // The re-run registers only what is missing.
    const again = await dev.registerMany([request(['11', 'down']), request(['12', 'fine'])], {
      idempotencyTag: 'mm.run.id',
    });
    expect(again.map((v) => v.version)).toEqual([1, 1]);
    // Both read back whole: the one from the first call's pack, the other from the re-run's.
    expect((await dev.load(modelName(['11', 'down'])))?.artifact).toEqual(artifact(['11', 'down']));
    expect((await dev.load(modelName(['12', 'fine'])))?.artifact).toEqual(artifact(['12', 'fine']));
  });

  it('names the missing role on a 403 AuthorizationFailed', async () => {
    aml.server.fail('ModelContainers_Get', {
      status: 403,
      code: 'AuthorizationFailed',
      message: 'no access',
    });
    await expect(registry().latest(modelName(['13', 'x']))).rejects.toThrow(
      'role assignment missing: AzureML Data Scientist on workspace mm-dev-mlw (resource group mm-dev-rg)',
    );
  });

  it('can keep artifacts in the workspace blob store instead', async () => {
    const dev = registry({ datastore: 'workspaceblobstore' });
    const [v] = await dev.registerMany([request(['15', 'blob'])]);
    expect((await dev.load(v!.name))?.artifact.name).toBe(v!.name);
    expect(aml.opened.at(-1)).toEqual({
      name: 'workspaceblobstore',
      accountUrl: 'https://mmmlwstore.blob.core.windows.net',
      container: 'azureml-blobstore-1234',
    });
  });

  it('says a workspace that is not there is not found, pointing at the environment file', async () => {
    const wrong = registry({ workspace: { ...DEV, workspace: 'mm-typo-mlw' } });
    await expect(wrong.latest(modelName(['1', 'a']))).rejects.toThrow(
      /read datastore on datastore mm_lake of workspace mm-typo-mlw \(resource group mm-dev-rg\) failed: .* not found: check subscription, resource group and names in environments\/<env>\.yaml/,
    );
  });

  it('bounds a call that the service never answers', async () => {
    aml.server.fail('ModelContainers_Get', { status: 200, delayMs: 3_000 });
    const started = Date.now();
    await expect(
      registry({ maxRetries: 0, operationTimeoutMs: 300 }).latest(modelName(['14', 'slow'])),
    ).rejects.toThrow(/read model on model .* failed: timed out after 0\.3s/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});
