import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDecisionsFile } from '../../.azure-pipelines/scripts/decisions-summary.ts';
import { promotionSchema } from '../../src/config/schema.ts';
import { decisionsFileSchema } from '../../src/contracts/decisions.ts';
import { readJsonFile } from '../../src/contracts/json-file.ts';
import { decisionsPath, evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { decide, type PromotionEvidence } from '../../src/promotion/rules.ts';
import { isBaselineStandIn, TAG, tagsFromEvidence, verifyPromotionTags } from '../../src/promotion/tags.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { loadReportData } from '../../src/report/load.ts';
import { FORECAST, writeRun } from './fixtures.ts';

// Issue 17, item 16: "fallback" meant two things. The baseline standing in for a failed candidate in prod is now
// `promote-baseline` / `mm.role=baseline`; decisions files and prod versions written under the old names must
// still read, and mean the same.
const rules = promotionSchema.parse({});
/** A candidate worse than its baseline, where prod has no champion: the baseline goes to prod as a stand-in. */
const failing: PromotionEvidence = {
  actual: [100, 120, 80],
  candidate: { kind: 'ridge', forecast: [60, 170, 20] },
  baseline: { kind: 'seasonal_naive', forecast: [98, 121, 82] },
  hasChampion: false,
  scale: 12.5,
  history: 150,
};

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-stand-in-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the baseline stand-in, under its new name and its old one', () => {
  it('given a stand-in decision, when it is tagged, then the tags say baseline, not fallback', () => {
    const decision = decide(failing, rules);
    expect(decision.outcome).toBe('promote-baseline');
    const tags = tagsFromEvidence(failing, decision);
    expect(tags[TAG.role]).toBe('baseline');
    expect(tags[TAG.outcome]).toBe('promote-baseline');
    expect(isBaselineStandIn(tags)).toBe(true);
    expect(verifyPromotionTags(tags, rules).allowed).toBe(true);
  });

  it('given a prod version tagged before the rename, when the gate and the scorer read it, then it is the same stand-in', () => {
    const tags = {
      ...tagsFromEvidence(failing, decide(failing, rules)),
      [TAG.role]: 'fallback',
      [TAG.outcome]: 'promote-fallback',
    };
    expect(isBaselineStandIn(tags)).toBe(true);
    expect(verifyPromotionTags(tags, rules)).toMatchObject({ allowed: true, violations: [] });
    // Only where prod had no champion, under either name.
    const withChampion = tagsFromEvidence(
      { ...failing, hasChampion: true, champion: { kind: 'ets', forecast: [99, 119, 81] } },
      decide(failing, rules),
    );
    for (const role of ['fallback', 'baseline']) {
      expect(verifyPromotionTags({ ...withChampion, [TAG.role]: role }, rules).violations).toContain(
        'a baseline stand-in may only be promoted where prod has no champion',
      );
    }
    // An old version with only the outcome tag, and a promoted candidate, read right too.
    const { [TAG.role]: _role, ...outcomeOnly } = tags;
    expect(isBaselineStandIn(outcomeOnly)).toBe(true);
    expect(isBaselineStandIn({ [TAG.role]: 'candidate', [TAG.outcome]: 'promote' })).toBe(false);
  });

  it('given a decisions file written before the rename, when the report and the pipeline summary read it, then they see promote-baseline', async () => {
    const runDir = await writeRun(path.join(root, 'lake'), {
      runId: 'run-1',
      partitions: [{ key: ['1', 'a'], candidates: { seasonal_naive: FORECAST.good, ridge: FORECAST.bad } }],
    });
    const prod = new LocalModelRegistry({ root, stage: 'prod' });
    await evaluateAndPromote({ runDir, prod, rules, dryRun: false });
    const file = decisionsPath(runDir);
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written.decisions[0].outcome).toBe('promote-baseline');
    // What an older mm wrote: the old outcome name and totals key.
    written.decisions[0].outcome = 'promote-fallback';
    written.totals['promote-fallback'] = written.totals['promote-baseline'];
    delete written.totals['promote-baseline'];
    await writeFile(file, JSON.stringify(written));

    const read = await readJsonFile(file, decisionsFileSchema, 'decisions');
    expect(read.decisions[0]!.outcome).toBe('promote-baseline');
    expect(read.totals['promote-baseline']).toBe(1);
    expect(parseDecisionsFile(await readFile(file, 'utf8'), file).totals['promote-baseline']).toBe(1);
    const report = await loadReportData({ runDir, root: path.join(root, 'lake') });
    expect(report.decisions?.decisions[0]?.outcome).toBe('promote-baseline');
  });
});
