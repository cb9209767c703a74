import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelName } from '../../src/core/model-name.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import type { ModelVersion } from '../../src/registry/types.ts';
import { makeArtifact } from '../promotion/fixtures.ts';

const CHILD = path.join(import.meta.dirname, 'helpers', 'register-child.ts');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-registry-cc-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function startChild(count: number, runId: string, idempotent: boolean): ChildProcess {
  return spawn(process.execPath, [CHILD, root, String(count), runId, idempotent ? 'yes' : 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function finish(child: ChildProcess): Promise<number[]> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const [code] = await once(child, 'exit');
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as number[];
}

async function versionsOf(registry: LocalModelRegistry, name: string): Promise<ModelVersion[]> {
  const latest = await registry.latest(name);
  const out: ModelVersion[] = [];
  for (let v = 1; v <= (latest?.version ?? 0); v++) {
    const loaded = await registry.load(name, v);
    if (loaded) out.push(loaded.version);
  }
  return out;
}

describe('LocalModelRegistry across processes', () => {
  it('loses and duplicates no version when two promoters register the same models at once', async () => {
    const count = 300;
    const [a, b] = await Promise.all([
      finish(startChild(count, 'run-a', false)),
      finish(startChild(count, 'run-b', false)),
    ]);
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    // One writer got version 1 of every model and the other version 2: the lock serialised the two batches.
    expect(new Set(a)).toEqual(new Set([a[0]]));
    expect(new Set([a[0], b[0]])).toEqual(new Set([1, 2]));
    for (let i = 0; i < count; i += 37) {
      const versions = await versionsOf(registry, modelName([`store-${i}`, 'brand']));
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      expect(new Set(versions.map((v) => v.tags['mm.run.id']))).toEqual(new Set(['run-a', 'run-b']));
    }
  });

  it('registers a run exactly once when two promoters of the same run race', async () => {
    const [a, b] = await Promise.all([
      finish(startChild(200, 'run-1', true)),
      finish(startChild(200, 'run-1', true)),
    ]);
    expect(a).toEqual(new Array(200).fill(1));
    expect(b).toEqual(a);
    const registry = new LocalModelRegistry({ root, stage: 'prod' });
    const dir = path.join(registry.location, 'models', modelName(['store-7', 'brand']));
    expect(await readdir(dir)).toEqual(['latest.json']);
    // The promoter that lost the race found every model registered and wrote no pack of its own.
    expect(await readdir(path.join(registry.location, 'packs'))).toHaveLength(1);
  });

  it('stays consistent when a promoter is killed mid-registration, and the next one takes over', async () => {
    const count = 1500;
    const child = startChild(count, 'run-crash', false);
    const exited = once(child, 'exit');
    const models = path.join(root, 'registry', 'prod', 'models');
    // Kill once some models are committed, well before all are: pointers are committed 256 at a time, and a
    // batch's folders appear only after the batch before it is committed, so 300 folders mean 256 committed.
    for (;;) {
      const entries = await readdir(models).catch(() => []);
      if (entries.length >= 300) break;
      await sleep(5);
    }
    child.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');

    const registry = new LocalModelRegistry({ root, stage: 'prod', lock: { staleMs: 5000 } });
    let committed = 0;
    for (const name of await readdir(models)) {
      const pointerFile = path.join(models, name, 'latest.json');
      const pointer = await readFile(pointerFile, 'utf8').catch(() => undefined);
      if (pointer === undefined) continue; // created its folder but never committed: still "no model"
      committed++;
      const latest = await registry.latest(name);
      const loaded = await registry.load(name);
      // The index (pointer) and the version file agree, and the artifact is whole.
      expect(latest?.version).toBe(1);
      expect(loaded?.version).toEqual(latest);
      expect(loaded?.artifact.name).toBe(name);
      expect(loaded?.version.size).toBe(Buffer.byteLength(JSON.stringify(loaded?.artifact)));
    }
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(count);

    // The killed writer's lock goes stale and the next writer registers everything on top, in order.
    const requests = Array.from({ length: count }, (_, i) => ({
      artifact: makeArtifact({ key: [`store-${i}`, 'brand'] }, { runId: 'run-next', partitions: [] }),
      tags: { 'mm.run.id': 'run-next' },
    }));
    const versions = await registry.registerMany(requests);
    const bumped = versions.filter((v) => v.version === 2).length;
    expect(bumped).toBe(committed);
    expect(versions.filter((v) => v.version === 1).length).toBe(count - committed);
    let listed = 0;
    for await (const v of registry.list()) {
      expect(v.tags['mm.run.id']).toBe('run-next');
      listed++;
    }
    expect(listed).toBe(count);
  });
});
