import type { CandidateKind } from '../core/vocabulary.ts';
import type { Outcome, RuleCheck } from './rules.ts';

/**
 * One row of `runs/<runId>/decisions.json`: what evaluate-and-promote decided for a partition and why.
 * Partitions that did not train (failed, skipped) get a row too, so every partition has a status.
 */
export interface DecisionRecord {
  name: string;
  key: string[];
  outcome: Outcome | 'not-trained';
  reasons: string[];
  checks: RuleCheck[];
  metricName: string;
  metrics: { candidate: number | null; baseline: number | null; champion: number | null };
  candidateKind: CandidateKind | null;
  championKind: CandidateKind | null;
  /** The prod version registered by this decision, when one was. */
  prodVersion: number | null;
  /**
   * True when this invocation registered a new prod version for the partition (in a dry run: would register);
   * false when nothing changed, e.g. a re-run whose model is already in prod.
   */
  newVersion?: boolean;
}

export interface DecisionsFile {
  schemaVersion: 1;
  runId: string;
  rulesVersion: string;
  dryRun: boolean;
  decidedAt: string;
  totals: Record<DecisionRecord['outcome'], number>;
  decisions: DecisionRecord[];
}
