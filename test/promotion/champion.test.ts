import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelName } from '../../src/core/model-name.ts';
import { findChampion } from '../../src/promotion/champion.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { makeArtifact } from './fixtures.ts';

let root: string;
let prod: LocalModelRegistry;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-champion-'));
  prod = new LocalModelRegistry({ root, stage: 'prod' });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const name = modelName(['1', 'a']);
const register = (runId: string, tags: Record<string, string>) =>
  prod.registerMany([{ artifact: makeArtifact({ key: ['1', 'a'] }, { runId, partitions: [] }), tags }]);

describe('findChampion', () => {
  it('finds no champion in an empty prod registry', async () => {
    expect(await findChampion(prod, name, 'run-2')).toEqual({
      champion: undefined,
      ownVersion: undefined,
      latestVersion: null,
    });
  });

  it("reads the champion's kind from its tags, or from its artifact when untagged", async () => {
    await register('run-1', { 'mm.run.id': 'run-1', 'mm.kind': 'ets' });
    expect((await findChampion(prod, name, 'run-2')).champion?.kind).toBe('ets');
    await register('run-x', { 'mm.run.id': 'run-x', 'mm.role': 'fallback', 'mm.kind.baseline': 'naive' });
    expect((await findChampion(prod, name, 'run-2')).champion?.kind).toBe('naive');
    await register('run-y', { 'mm.run.id': 'run-y' });
    expect((await findChampion(prod, name, 'run-2')).champion?.kind).toBe('ridge');
  });

  it('judges a re-run against the version before its own, never against itself', async () => {
    await register('run-1', { 'mm.run.id': 'run-1', 'mm.kind': 'ets' });
    await register('run-2', { 'mm.run.id': 'run-2', 'mm.kind': 'ridge' });
    const lookup = await findChampion(prod, name, 'run-2');
    expect(lookup.ownVersion?.version).toBe(2);
    expect(lookup.champion).toMatchObject({ kind: 'ets', version: { version: 1 } });
    const first = await findChampion(prod, name, 'run-1');
    expect(first).toMatchObject({ ownVersion: undefined, champion: { version: { version: 2 } } });
  });

  it('finds no champion when the only prod versions are from the run itself', async () => {
    await register('run-1', { 'mm.run.id': 'run-1', 'mm.kind': 'ets' });
    const lookup = await findChampion(prod, name, 'run-1');
    expect(lookup.champion).toBeUndefined();
    expect(lookup.ownVersion?.version).toBe(1);
  });
});
