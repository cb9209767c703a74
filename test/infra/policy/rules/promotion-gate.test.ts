import { describe, expect, it } from 'vitest';
import {
  MODEL_CONTAINER,
  MODEL_VERSION,
  modelPromotionGate,
} from '../../../../infra/policy/rules/promotion-gate.ts';
import { promotionSchema } from '../../../../src/config/schema.ts';
import { decide, type PromotionEvidence } from '../../../../src/promotion/rules.ts';
import { TAG, tagsFromEvidence } from '../../../../src/promotion/tags.ts';
import { violations } from '../run-policy.ts';

const rules = promotionSchema.parse({});
const actual = [10, 10, 10, 10];
const flat = (v: number) => actual.map(() => v);

/** Holdout evidence: wape is |error| / 10 here, so forecasts of 11 and 13 score 0.1 and 0.3. */
function evidence(over: Partial<PromotionEvidence> = {}): PromotionEvidence {
  return {
    actual,
    candidate: { kind: 'ridge', forecast: flat(11) },
    baseline: { kind: 'seasonal_naive', forecast: flat(13) },
    hasChampion: false,
    scale: 2,
    history: 104,
    ...over,
  };
}

/** The tags `mm evaluate-and-promote` writes for this evidence: built by the shared rules module. */
function promotedTags(e: PromotionEvidence): Record<string, string> {
  return tagsFromEvidence(e, decide(e, rules));
}

const model = (tags: Record<string, string>, workspaceName = 'mm-prod-mlw') => ({
  type: MODEL_VERSION,
  name: 'prod-model',
  stack: 'prod',
  props: {
    name: 'mm-store-1-brand-a-0123456789ab',
    version: '3',
    workspaceName,
    resourceGroupName: 'mm-prod-rg',
    properties: { modelUri: 'azureml://datastores/mm_lake/paths/registry/prod/x.json', tags },
  },
});
const label = "model 'mm-store-1-brand-a-0123456789ab' version 3 in prod workspace 'mm-prod-mlw'";

describe('model-promotion-gate', () => {
  it('allows a model that passes every rule (tags built with tagsFromEvidence + decide)', () => {
    const e = evidence();
    expect(decide(e, rules).outcome).toBe('promote');
    expect(violations(modelPromotionGate, model(promotedTags(e)))).toEqual([]);
  });

  it('denies a model worse than its baseline', () => {
    // Prod has a champion of the same kind, so only the baseline rule can fail.
    const e = evidence({
      candidate: { kind: 'ridge', forecast: flat(13) },
      baseline: { kind: 'seasonal_naive', forecast: flat(11) },
      hasChampion: true,
      champion: { kind: 'ridge', forecast: flat(13) },
    });
    expect(violations(modelPromotionGate, model(promotedTags(e)))).toEqual([
      `${label}: the promotion rules reject this model: beats-baseline failed: wape 0.3000 (ridge) vs baseline 0.1000 (seasonal_naive) needing <= 0.0950 (margin 0.05)`,
    ]);
  });

  it('denies a model worse than the prod champion by less than the margin', () => {
    const e = evidence({ hasChampion: true, champion: { kind: 'ets', forecast: flat(10.5) } });
    expect(violations(modelPromotionGate, model(promotedTags(e)))).toEqual([
      `${label}: the promotion rules reject this model: beats-champion failed: wape 0.1000 vs champion 0.0500 (ets) needing <= 0.0490 (margin 0.02)`,
    ]);
  });

  it.each([
    [TAG.actual, `${label}: missing tag mm.holdout.actual`],
    [TAG.candidateForecast, `${label}: missing tag mm.holdout.candidate`],
    [TAG.metricName, `${label}: tag mm.metric.name is '' but the rules use 'wape'`],
  ])('denies a model whose %s tag is missing', (key, message) => {
    const tags = promotedTags(evidence());
    delete tags[key];
    expect(violations(modelPromotionGate, model(tags))).toEqual([message]);
  });

  it('denies an untagged model', () => {
    expect(violations(modelPromotionGate, model({}))).toEqual([`${label}: missing tag mm.holdout.actual`]);
  });

  it('denies tags tampered to claim a better metric than the recorded values give', () => {
    // A candidate that loses to the champion, re-labelled as a clear winner.
    const e = evidence({ hasChampion: true, champion: { kind: 'ets', forecast: flat(10.5) } });
    const tags = { ...promotedTags(e), [TAG.candidateMetric]: '0.01', [TAG.outcome]: 'promote' };
    expect(violations(modelPromotionGate, model(tags))).toEqual([
      `${label}: tag mm.metric.candidate claims 0.01 but the recorded holdout values give 0.1`,
      `${label}: the promotion rules reject this model: beats-champion failed: wape 0.1000 vs champion 0.0500 (ets) needing <= 0.0490 (margin 0.02)`,
    ]);
  });

  it('takes thresholds from the policy config, exactly as promotionSchema.parse reads them', () => {
    const tags = promotedTags(evidence());
    expect(violations(modelPromotionGate, model(tags), { maxMetric: 0.05 })).toEqual([
      `${label}: the promotion rules reject this model: absolute-bar failed: wape 0.1000 vs bar 0.0500`,
    ]);
    expect(violations(modelPromotionGate, model(tags), { minHistory: 200 })).toEqual([
      `${label}: the promotion rules reject this model: min-history failed: history 104 observations, minimum 200`,
    ]);
    // Rules on another metric re-score the evidence with it, so the recorded wape claims no longer hold either.
    expect(violations(modelPromotionGate, model(tags), { metric: 'mase' })).toEqual([
      `${label}: tag mm.metric.name is 'wape' but the rules use 'mase'`,
      `${label}: tag mm.metric.candidate claims 0.1 but the recorded holdout values give 0.5`,
      `${label}: tag mm.metric.baseline claims 0.3 but the recorded holdout values give 1.5`,
    ]);
    expect(violations(modelPromotionGate, model(tags), { championMargin: 2 })).toEqual([
      'policy config for model-promotion-gate is invalid: championMargin: Too big: expected number to be <=1',
    ]);
  });

  it('agrees with the rules module on every outcome: allowed exactly when decide() promotes', () => {
    const forecasts = [10.2, 11, 12, 13];
    for (const c of forecasts) {
      for (const b of forecasts) {
        for (const champion of [undefined, 10.5, 12.5]) {
          const e = evidence({
            candidate: { kind: 'ridge', forecast: flat(c) },
            baseline: { kind: 'seasonal_naive', forecast: flat(b) },
            hasChampion: champion !== undefined,
            champion: champion === undefined ? undefined : { kind: 'ets', forecast: flat(champion) },
          });
          const decision = decide(e, rules);
          const allowed = violations(modelPromotionGate, model(tagsFromEvidence(e, decision))).length === 0;
          // A fallback (prod has no champion) is the baseline, which may always serve.
          expect(allowed).toBe(decision.outcome !== 'keep-champion');
        }
      }
    }
  });

  it('guards only prod workspaces', () => {
    expect(violations(modelPromotionGate, model({}, 'mm-dev-mlw'))).toEqual([]);
    expect(violations(modelPromotionGate, model({}, 'acme-prod-mlw'))).toHaveLength(1);
    expect(
      violations(modelPromotionGate, model({}, 'ml-live'), { prodWorkspacePattern: '^ml-live$' }),
    ).toHaveLength(1);
  });

  it('checks a model container only once it carries promotion evidence', () => {
    const container = (tags: Record<string, string>) => ({
      type: MODEL_CONTAINER,
      name: 'prod-container',
      props: { name: 'mm-store-1', workspaceName: 'mm-prod-mlw', properties: { tags } },
    });
    expect(violations(modelPromotionGate, container({ team: 'forecasting' }))).toEqual([]);
    expect(violations(modelPromotionGate, container(promotedTags(evidence())))).toEqual([]);
    const tampered = { ...promotedTags(evidence()), [TAG.baselineMetric]: '9' };
    expect(violations(modelPromotionGate, container(tampered))).toEqual([
      "model container 'mm-store-1' in prod workspace 'mm-prod-mlw': tag mm.metric.baseline claims 9 but the recorded holdout values give 0.3",
    ]);
  });
});
