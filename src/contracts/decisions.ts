import { z } from 'zod';
import { candidateKind, maybeNumber } from './run-manifest.ts';

/**
 * `runs/<runId>/decisions.json`: what evaluate-and-promote decided for every partition and why. Promotion writes
 * it; the report and the pipelines' dry-run summary read it back. Partitions that did not train (failed,
 * skipped) get a row too, so every partition has a status. A metric is `null` where JSON.stringify turned a
 * non-finite value into null, or where there is no such model (no champion yet).
 */

export const DECISION_OUTCOMES = ['promote', 'keep-champion', 'promote-baseline', 'not-trained'] as const;

/**
 * Outcome names written by older versions, read as today's: `promote-fallback` was the baseline going to prod as a
 * stand-in ("fallback" now means only covariates carried forward). Decisions files and prod tags keep the old
 * name where they were written; every reader goes through `currentOutcome`.
 */
const LEGACY_OUTCOMES: Readonly<Record<string, (typeof DECISION_OUTCOMES)[number]>> = {
  'promote-fallback': 'promote-baseline',
};

/** Today's name of an outcome read from a file or a tag (an unknown one is returned as it is, for the schema). */
export function currentOutcome(outcome: unknown): unknown {
  return typeof outcome === 'string' ? (LEGACY_OUTCOMES[outcome] ?? outcome) : outcome;
}

/** Totals keyed by outcome, with an older file's keys renamed (the counts of both names added up). */
function currentTotals(totals: unknown): unknown {
  if (totals === null || typeof totals !== 'object' || Array.isArray(totals)) return totals;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(totals)) {
    const name = currentOutcome(key) as string;
    out[name] =
      typeof out[name] === 'number' && typeof value === 'number' ? (out[name] as number) + value : value;
  }
  return out;
}

export const ruleCheckSchema = z.object({
  /** A rule name of `src/promotion/rules.ts`; a string here so files written under older rules still read. */
  rule: z.string(),
  passed: z.boolean(),
  detail: z.string(),
});

export const decisionRecordSchema = z.object({
  name: z.string().min(1),
  key: z.array(z.string()),
  outcome: z.preprocess(currentOutcome, z.enum(DECISION_OUTCOMES)),
  reasons: z.array(z.string()),
  checks: z.array(ruleCheckSchema),
  metricName: z.string(),
  metrics: z.object({ candidate: maybeNumber, baseline: maybeNumber, champion: maybeNumber }),
  candidateKind: candidateKind.nullable(),
  championKind: candidateKind.nullable(),
  /** The prod version registered by this decision, when one was. */
  prodVersion: z.number().int().nullable(),
  /**
   * True when this invocation registered a new prod version for the partition (in a dry run: would register);
   * false when nothing changed, e.g. a re-run whose model is already in prod.
   */
  newVersion: z.boolean().optional(),
});

const count = z.number().int().min(0);

export const decisionsFileSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  rulesVersion: z.string(),
  dryRun: z.boolean(),
  decidedAt: z.string(),
  totals: z.preprocess(
    currentTotals,
    z.object({
      promote: count,
      'keep-champion': count,
      'promote-baseline': count,
      'not-trained': count,
    }),
  ),
  decisions: z.array(decisionRecordSchema),
});

export type DecisionRecord = z.infer<typeof decisionRecordSchema>;
export type DecisionsFile = z.infer<typeof decisionsFileSchema>;
