import { describe, expect, it } from 'vitest';
import { policyPackConfig } from '../../../infra/policy/policy-config.ts';

const promotion = {
  metric: 'mase' as const,
  maxMetric: null,
  mustBeatBaseline: true,
  baselineMargin: 0.05,
  championMargin: 0.05,
  minHistory: 10,
};

describe('policyPackConfig', () => {
  it('gives the gate exactly the promotion block', () => {
    expect(policyPackConfig(promotion)).toEqual({ 'model-promotion-gate': promotion });
  });

  it('lays the promotion block over the base gate section, thresholds winning, other sections kept', () => {
    const base = {
      'model-promotion-gate': { metric: 'wape', prodWorkspacePattern: 'x' },
      'required-tags': { tags: ['owner'] },
    };
    expect(policyPackConfig(promotion, base, '^p$')).toEqual({
      'model-promotion-gate': { ...promotion, prodWorkspacePattern: '^p$' },
      'required-tags': { tags: ['owner'] },
    });
  });
});
