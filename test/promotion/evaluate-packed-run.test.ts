import { access, mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePack } from '../../src/artifacts/pack.ts';
import { promotionSchema } from '../../src/config/schema.ts';
import { modelName } from '../../src/core/model-name.ts';
import type { PartitionRecord, RunManifest } from '../../src/engine/manifest.ts';
import { writeManifestFile } from '../../src/engine/manifest-file.ts';
import { decisionsPath, evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { PromotionInputError } from '../../src/promotion/run-input.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { makeArtifact } from './fixtures.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-promote-packed-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A run as the engine writes it: artifacts in packs of `perPack`, the manifest one record per line. */
async function packedRun(count: number, perPack: number): Promise<string> {
  const runId = 'run-packed';
  const runDir = path.join(root, 'runs', runId);
  const keys = Array.from({ length: count }, (_, i) => [`s${i}`, 'b']).sort((a, b) =>
    modelName(a) < modelName(b) ? -1 : 1,
  );
  const records: PartitionRecord[] = [];
  for (let start = 0; start < count; start += perPack) {
    const artifacts = keys
      .slice(start, start + perPack)
      .map((key) => makeArtifact({ key }, { runId, partitions: [] }));
    const refs = await writePack(
      runDir,
      artifacts.map((a) => JSON.stringify(a)),
    );
    for (const [i, a] of artifacts.entries()) {
      records.push({
        name: a.name,
        key: keys[start + i]!,
        status: 'ok',
        chosen: a.chosen,
        artifact: refs[i]!,
        observations: 156,
        durationMs: 1,
      });
    }
  }
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    codeVersion: 'code-1',
    dataFingerprint: 'data-1',
    partitionBy: ['Store', 'Brand'],
    shard: null,
    totals: { ok: count, failed: 0, skipped: 0 },
    partitions: records,
  };
  await writeManifestFile(path.join(runDir, 'manifest.json'), manifest);
  return runDir;
}

const rules = promotionSchema.parse({});

describe('evaluateAndPromote over a run in packs, streamed', () => {
  it('promotes a run of more partitions than one registration chunk, every decision once', async () => {
    const runDir = await packedRun(2100, 300);
    const prod = new LocalModelRegistry({ root, stage: 'prod', durable: false });
    const file = await evaluateAndPromote({ runDir, prod, rules, dryRun: false });
    expect(file.decisions).toHaveLength(2100);
    expect(file.totals['not-trained']).toBe(0);
    const registered = file.decisions.filter((d) => d.prodVersion !== null);
    expect(registered.length).toBe(file.totals.promote + file.totals['promote-baseline']);
    expect(registered.every((d) => d.newVersion && d.prodVersion === 1)).toBe(true);
    let listed = 0;
    for await (const _ of prod.list()) listed++;
    expect(listed).toBe(registered.length);
    // The registration chunks wrote one registry pack each.
    expect((await readdir(path.join(prod.location, 'packs'))).length).toBe(
      Math.ceil(registered.length / 1000),
    );
  });

  it('given a run pack cut short, names the pack and the partition and promotes nothing', async () => {
    const runDir = await packedRun(1200, 400);
    const packs = (await readdir(path.join(runDir, 'packs'))).sort();
    const cut = path.join(runDir, 'packs', packs[1]!);
    await truncate(cut, 500);
    const prod = new LocalModelRegistry({ root, stage: 'prod', durable: false });
    const attempt = evaluateAndPromote({ runDir, prod, rules, dryRun: false });
    await expect(attempt).rejects.toThrow(PromotionInputError);
    await expect(attempt).rejects.toThrow(
      /nothing was promoted: \d+ partition\(s\) of run run-packed cannot be evaluated/,
    );
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `artifact of mm-s\\d+-b-[0-9a-f]{12} — artifact packs/${packs[1]!.replace('.', '\\.')}#\\d+\\+\\d+ is cut short: ${cut.replaceAll('/', '\\/')}`,
      ),
    );
    let listed = 0;
    for await (const _ of prod.list()) listed++;
    expect(listed).toBe(0);
    await expect(access(decisionsPath(runDir))).rejects.toThrow();
  });
});
