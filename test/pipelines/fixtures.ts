import type { DecisionRecord, DecisionsFile } from '../../src/promotion/decision-record.ts';

type Outcome = DecisionRecord['outcome'];

/** A decision as evaluate-and-promote writes it; metrics are WAPE on the holdout. */
export function decision(
  name: string,
  outcome: Outcome,
  metrics: Partial<DecisionRecord['metrics']> = {},
  key: string[] = [name, 'brand'],
): DecisionRecord {
  const trained = outcome !== 'not-trained';
  return {
    name,
    key,
    outcome,
    reasons:
      outcome === 'promote'
        ? ['passes every rule']
        : outcome === 'not-trained'
          ? ['partition failed validation: too short for the holdout']
          : ['candidate wape 0.3000 does not beat baseline wape 0.2500'],
    checks: [],
    metricName: 'wape',
    metrics: {
      candidate: trained ? 0.2 : null,
      baseline: trained ? 0.25 : null,
      champion: null,
      ...metrics,
    },
    candidateKind: trained ? 'ridge' : null,
    championKind: null,
    prodVersion: outcome === 'promote' || outcome === 'promote-baseline' ? 1 : null,
  };
}

export function decisionsFile(
  decisions: DecisionRecord[],
  overrides: Partial<DecisionsFile> = {},
): DecisionsFile {
  const totals: DecisionsFile['totals'] = {
    promote: 0,
    'keep-champion': 0,
    'promote-baseline': 0,
    'not-trained': 0,
  };
  for (const d of decisions) totals[d.outcome] += 1;
  return {
    schemaVersion: 1,
    runId: 'ado-1042',
    rulesVersion: '1',
    dryRun: false,
    decidedAt: '2026-11-22T03:14:00.000Z',
    totals,
    decisions,
    ...overrides,
  };
}
