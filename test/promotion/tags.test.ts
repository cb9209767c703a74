import { describe, expect, it } from 'vitest';
import { promotionSchema } from '../../src/config/schema.ts';
import { decide, type PromotionEvidence } from '../../src/promotion/rules.ts';
import { evidenceFromTags, TAG, tagsFromEvidence, verifyPromotionTags } from '../../src/promotion/tags.ts';

const rules = promotionSchema.parse({});
const evidence: PromotionEvidence = {
  actual: [100, 120, 80],
  candidate: { kind: 'ridge', forecast: [101.5, 118, 83] },
  baseline: { kind: 'seasonal_naive', forecast: [90, 130, 70] },
  hasChampion: false,
  scale: 12.5,
  history: 150,
};

describe('promotion tags', () => {
  it('round-trip the evidence', () => {
    expect(evidenceFromTags(tagsFromEvidence(evidence, decide(evidence, rules)))).toEqual({
      ...evidence,
      champion: undefined,
    });
  });

  it('round-trip a holdout with a missing week (NaN actual) and verify it, while other non-numbers are refused', () => {
    const gappy = { ...evidence, actual: [100, Number.NaN, 80] };
    const tags = tagsFromEvidence(gappy, decide(gappy, rules));
    expect(tags[TAG.actual]).toBe('100,NaN,80');
    expect(evidenceFromTags(tags).actual).toEqual([100, Number.NaN, 80]);
    expect(verifyPromotionTags(tags, rules).violations).toEqual([]);
    expect(() => evidenceFromTags({ ...tags, [TAG.candidateForecast]: '1,NaN,3' })).toThrow(
      'tag mm.holdout.candidate holds a non-numeric value',
    );
  });

  it('verify a model the rules promote', () => {
    const verdict = verifyPromotionTags(tagsFromEvidence(evidence, decide(evidence, rules)), rules);
    expect(verdict).toMatchObject({ allowed: true, violations: [] });
  });

  it('catch a tag that claims a better metric than the recorded values give', () => {
    const tags = { ...tagsFromEvidence(evidence, decide(evidence, rules)), [TAG.candidateMetric]: '0.001' };
    const verdict = verifyPromotionTags(tags, rules);
    expect(verdict.allowed).toBe(false);
    expect(verdict.violations[0]).toMatch(
      /^tag mm.metric.candidate claims 0.001 but the recorded holdout values give 0.0216/,
    );
  });

  it('deny when evidence tags are missing', () => {
    const tags = tagsFromEvidence(evidence, decide(evidence, rules));
    delete tags[TAG.baselineForecast];
    expect(verifyPromotionTags(tags, rules).violations).toEqual(['missing tag mm.holdout.baseline']);
  });
});
