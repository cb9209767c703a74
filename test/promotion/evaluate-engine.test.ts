import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastSchema, promotionSchema } from '../../src/config/schema.ts';
import { modelName } from '../../src/core/model-name.ts';
import type { PartitionRecord, RunManifest } from '../../src/engine/manifest.ts';
import { trainPartition } from '../../src/engine/train-partition.ts';
import { evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { verifyPromotionTags } from '../../src/promotion/tags.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { lakeLayout } from '../../src/storage/layout.ts';
import { retailSeries } from '../models/fixtures.ts';

/**
 * The same path as the pipeline, on artifacts the real engine selection (`trainPartition`) produces: whatever
 * the models turn out to be, prod holds exactly what the rules allow and the policy pack's check agrees.
 */
const forecast = forecastSchema.parse({ horizon: 8, holdout: 8 });
const rules = promotionSchema.parse({});
const PARTITIONS = 10;
// Half of the second run drops a candidate kind: where it was the champion, the champion cannot be re-scored.
const withoutRidge = forecastSchema.parse({
  horizon: 8,
  holdout: 8,
  candidates: ['naive', 'seasonal_naive', 'ets'],
});

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-promote-engine-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function trainRun(runId: string, noise: number, configOf = (_: number) => forecast): Promise<string> {
  const runDir = lakeLayout(root).run(runId);
  await mkdir(path.join(runDir, 'models'), { recursive: true });
  const lineage = {
    runId,
    codeVersion: 'test',
    dataFingerprint: runId,
    trainedAt: new Date(0).toISOString(),
  };
  const records: PartitionRecord[] = [];
  for (let i = 0; i < PARTITIONS; i++) {
    // Short series for the last one: too short for the holdout, so it is skipped.
    const { series, context } = retailSeries({
      seed: i + 1 + (noise > 0.1 ? 100 : 0),
      length: i === PARTITIONS - 1 ? 10 : 130,
      key: [`S${i}`, 'B'],
      truth: { noise },
    });
    const outcome = trainPartition(series, {
      context,
      forecast: configOf(i),
      partitionBy: ['Store', 'Brand'],
      lineage,
    });
    const name = modelName(series.key);
    const record: PartitionRecord = {
      name,
      key: series.key,
      status: outcome.status,
      observations: 0,
      durationMs: 1,
    };
    if (outcome.status === 'ok') {
      record.artifact = `models/${name}.json`;
      await writeFile(path.join(runDir, record.artifact), JSON.stringify(outcome.artifact));
    } else if (outcome.status === 'skipped') record.reason = outcome.reason;
    else record.error = outcome.error;
    records.push(record);
  }
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId,
    startedAt: lineage.trainedAt,
    finishedAt: lineage.trainedAt,
    codeVersion: 'test',
    dataFingerprint: runId,
    partitionBy: ['Store', 'Brand'],
    shard: null,
    totals: { ok: 0, failed: 0, skipped: 0 },
    partitions: records.sort((a, b) => a.name.localeCompare(b.name)),
  };
  await writeFile(path.join(runDir, 'manifest.json'), JSON.stringify(manifest));
  return runDir;
}

describe('evaluateAndPromote on engine-trained artifacts', () => {
  it('promotes exactly what the rules allow across two runs, and every prod model passes the policy check', async () => {
    const prod = new LocalModelRegistry({ root, stage: 'prod' });
    const first = await evaluateAndPromote({
      runDir: await trainRun('run-1', 0.05),
      prod,
      rules,
      dryRun: false,
    });
    expect(first.totals['not-trained']).toBe(1);
    expect(first.totals.promote + first.totals['promote-baseline']).toBe(PARTITIONS - 1);

    const second = await evaluateAndPromote({
      runDir: await trainRun('run-2', 0.6, (i) => (i % 2 === 0 ? withoutRidge : forecast)),
      prod,
      rules,
      dryRun: false,
    });
    expect(second.totals.promote).toBeGreaterThan(0);
    expect(second.totals['keep-champion']).toBeGreaterThan(0);
    for (const d of second.decisions) {
      const latest = d.outcome === 'not-trained' ? undefined : await prod.latest(d.name);
      if (d.outcome === 'promote') {
        expect(d.checks.every((c) => c.passed)).toBe(true);
        expect(latest?.tags['mm.run.id']).toBe('run-2');
      } else if (d.outcome === 'keep-champion') {
        expect(d.checks.some((c) => !c.passed)).toBe(true);
        expect(latest?.tags['mm.run.id']).toBe('run-1');
      }
    }
    for await (const version of prod.list()) {
      expect(verifyPromotionTags(version.tags, rules).violations).toEqual([]);
      const loaded = await prod.load(version.name);
      expect(loaded?.artifact.model.kind).toBe(version.tags['mm.kind']);
    }
  });
});
