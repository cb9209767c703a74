import { CANDIDATES, type CandidateKind } from '../core/vocabulary.ts';
import { LIFT_CLASSES, type LiftClass, liftClassOf, MEANINGFUL_LIFT, median } from './stats.ts';
import type { ReportData } from './types.ts';

export const OUTCOMES = ['promote', 'keep-champion', 'promote-baseline', 'not-trained'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

/** The headline numbers at the top of the page. */
export interface Summary {
  runId: string;
  partitions: number;
  totals: ReportData['totals'];
  /** Partitions with both a model and a baseline score on the holdout. */
  compared: number;
  medianWape: { model: number; baseline: number };
  medianMase: { model: number; baseline: number };
  /** Share of compared partitions in each lift class (sums to 1 when compared > 0). */
  liftShares: Record<LiftClass, number>;
  /** Share whose model beats the baseline at all (meaningful + marginal). */
  beatShare: number;
  medianLift: number;
  meaningfulLift: number;
  chosenKinds: Record<CandidateKind, number>;
  /** Null when promotion has not run. */
  outcomes: Record<OutcomeName, number> | null;
  /** Failed rule checks, by rule, across all decisions. */
  failedRules: Record<string, number> | null;
  durationMs: number;
}

export function summarize(data: ReportData, meaningfulLift = MEANINGFUL_LIFT): Summary {
  const cs = data.comparisons;
  const liftCounts = Object.fromEntries(LIFT_CLASSES.map((c) => [c, 0])) as Record<LiftClass, number>;
  for (const c of cs) liftCounts[liftClassOf(c, meaningfulLift)] += 1;
  const share = (n: number) => (cs.length === 0 ? Number.NaN : n / cs.length);
  const liftShares = Object.fromEntries(LIFT_CLASSES.map((c) => [c, share(liftCounts[c])])) as Record<
    LiftClass,
    number
  >;
  const chosenKinds = Object.fromEntries(CANDIDATES.map((k) => [k, 0])) as Record<CandidateKind, number>;
  for (const p of data.manifest.partitions) if (p.status === 'ok' && p.chosen) chosenKinds[p.chosen] += 1;

  let outcomes: Summary['outcomes'] = null;
  let failedRules: Summary['failedRules'] = null;
  if (data.decisions) {
    outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<OutcomeName, number>;
    failedRules = {};
    for (const d of data.decisions.decisions) {
      outcomes[d.outcome] += 1;
      for (const check of d.checks)
        if (!check.passed) failedRules[check.rule] = (failedRules[check.rule] ?? 0) + 1;
    }
  }
  const started = Date.parse(data.manifest.startedAt);
  const finished = Date.parse(data.manifest.finishedAt);
  return {
    runId: data.runId,
    partitions: data.manifest.partitions.length,
    totals: data.totals,
    compared: cs.length,
    medianWape: { model: median(cs.map((c) => c.model.wape)), baseline: median(cs.map((c) => c.base.wape)) },
    medianMase: { model: median(cs.map((c) => c.model.mase)), baseline: median(cs.map((c) => c.base.mase)) },
    liftShares,
    beatShare: share(liftCounts.meaningful + liftCounts.marginal),
    medianLift: median(cs.map((c) => c.lift)),
    meaningfulLift,
    chosenKinds,
    outcomes,
    failedRules,
    durationMs: Number.isFinite(finished - started) ? finished - started : Number.NaN,
  };
}
