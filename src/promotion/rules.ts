import type { PromotionConfig } from '../config/schema.ts';
import type { CandidateKind } from '../core/vocabulary.ts';
import { metric } from '../metrics/index.ts';

/**
 * The promotion rules: one pure function used by `mm evaluate-and-promote` and by the Pulumi policy pack that
 * guards prod model resources, so no path can promote a model that these rules reject.
 * Bump RULES_VERSION whenever a rule's meaning changes; decisions and tags record it.
 */
export const RULES_VERSION = '3';

export type PromotionRules = PromotionConfig;

/** The recorded values a decision is computed from: everything on the same holdout window. */
export interface PromotionEvidence {
  actual: number[];
  candidate: { kind: CandidateKind; forecast: number[] };
  baseline: { kind: CandidateKind; forecast: number[] };
  /** The prod champion's model kind, refitted on the same training window and forecast over the same holdout. */
  champion?: { kind: CandidateKind; forecast: number[] } | undefined;
  /** True when prod has a champion for this partition, even if it could not be re-scored. */
  hasChampion: boolean;
  /** MASE denominator (in-sample seasonal naive MAE of the training window). */
  scale: number;
  /** Observations in the partition's history. */
  history: number;
  /**
   * What the candidate and the champion were trained from (data fingerprint, code version), when known: a
   * same-kind "refresh" from the very same data and code changes nothing and is not promoted.
   */
  lineage?: { candidate: Lineage; champion: Lineage | undefined } | undefined;
}

export interface Lineage {
  dataFingerprint: string;
  codeVersion: string;
}

/** What differs between the champion's training and the candidate's, in words; empty when nothing does. */
export function lineageChanges(candidate: Lineage, champion: Lineage): string[] {
  const changes: string[] = [];
  if (candidate.dataFingerprint !== champion.dataFingerprint) {
    changes.push(
      `newer data (fingerprint ${short(champion.dataFingerprint)} -> ${short(candidate.dataFingerprint)})`,
    );
  }
  if (candidate.codeVersion !== champion.codeVersion) {
    changes.push(`new code (version ${champion.codeVersion} -> ${candidate.codeVersion})`);
  }
  return changes;
}

const short = (fingerprint: string) => fingerprint.slice(0, 12);

export type RuleName = 'min-history' | 'absolute-bar' | 'beats-baseline' | 'beats-champion';

export interface RuleCheck {
  rule: RuleName;
  passed: boolean;
  detail: string;
}

export type Outcome =
  /** The candidate passes every rule and becomes the prod model. */
  | 'promote'
  /** The candidate fails a rule; the current prod champion keeps serving. */
  | 'keep-champion'
  /** The candidate fails and prod has no model yet: the baseline is promoted, tagged as its stand-in. */
  | 'promote-baseline';

export interface PromotionDecision {
  outcome: Outcome;
  rulesVersion: string;
  metricName: PromotionRules['metric'];
  metrics: { candidate: number; baseline: number; champion: number | null };
  checks: RuleCheck[];
  /** One sentence per failed check, or the reason for promotion. */
  reasons: string[];
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** Scores the three forecasts with the configured metric on the recorded actuals. */
export function scoreEvidence(evidence: PromotionEvidence, metricName: PromotionRules['metric']) {
  const score = (forecast: number[]) =>
    metric(metricName, { actual: evidence.actual, forecast, scale: evidence.scale });
  return {
    candidate: score(evidence.candidate.forecast),
    baseline: score(evidence.baseline.forecast),
    champion: evidence.champion ? score(evidence.champion.forecast) : null,
  };
}

export function decide(evidence: PromotionEvidence, rules: PromotionRules): PromotionDecision {
  const m = scoreEvidence(evidence, rules.metric);
  const name = rules.metric;
  const checks: RuleCheck[] = [];

  checks.push({
    rule: 'min-history',
    passed: evidence.history >= rules.minHistory,
    detail: `history ${evidence.history} observations, minimum ${rules.minHistory}`,
  });

  if (rules.maxMetric !== null) {
    checks.push({
      rule: 'absolute-bar',
      passed: m.candidate <= rules.maxMetric,
      detail: `${name} ${fmt(m.candidate)} vs bar ${fmt(rules.maxMetric)}`,
    });
  }

  if (rules.mustBeatBaseline && evidence.candidate.kind !== evidence.baseline.kind) {
    const needed = m.baseline * (1 - rules.baselineMargin);
    checks.push({
      rule: 'beats-baseline',
      passed: m.candidate <= needed && m.candidate < m.baseline,
      detail: `${name} ${fmt(m.candidate)} (${evidence.candidate.kind}) vs baseline ${fmt(m.baseline)} (${evidence.baseline.kind}) needing <= ${fmt(needed)} (margin ${rules.baselineMargin})`,
    });
  }

  if (evidence.hasChampion) {
    if (!evidence.champion || m.champion === null) {
      checks.push({
        rule: 'beats-champion',
        passed: false,
        detail: 'the prod champion could not be re-scored on this holdout (its model kind was not evaluated)',
      });
    } else if (evidence.champion.kind === evidence.candidate.kind) {
      // Same model kind retrained: the champion re-scored IS this candidate's holdout score, so the margin cannot
      // apply; the refresh is promoted when the other rules pass and something actually changed.
      const kind = evidence.candidate.kind;
      const { candidate, champion } = evidence.lineage ?? {};
      const changes = candidate && champion ? lineageChanges(candidate, champion) : undefined;
      checks.push(
        changes === undefined
          ? { rule: 'beats-champion', passed: true, detail: `refresh of the champion's kind (${kind})` }
          : changes.length > 0
            ? {
                rule: 'beats-champion',
                passed: true,
                detail: `refresh of the champion's kind (${kind}) on ${changes.join(' and ')}`,
              }
            : {
                rule: 'beats-champion',
                passed: false,
                detail: `nothing differs from the champion: same kind (${kind}), same data (fingerprint ${short(candidate!.dataFingerprint)}), same code (version ${candidate!.codeVersion})`,
              },
      );
    } else {
      const needed = m.champion * (1 - rules.championMargin);
      checks.push({
        rule: 'beats-champion',
        passed: m.candidate <= needed && m.candidate < m.champion,
        detail: `${name} ${fmt(m.candidate)} vs champion ${fmt(m.champion)} (${evidence.champion.kind}) needing <= ${fmt(needed)} (margin ${rules.championMargin})`,
      });
    }
  }

  const failed = checks.filter((c) => !c.passed);
  const outcome: Outcome =
    failed.length === 0 ? 'promote' : evidence.hasChampion ? 'keep-champion' : 'promote-baseline';
  const reasons =
    failed.length === 0
      ? [`passes ${checks.map((c) => c.rule).join(', ')}`]
      : failed.map((c) => `${c.rule} failed: ${c.detail}`);
  return { outcome, rulesVersion: RULES_VERSION, metricName: name, metrics: m, checks, reasons };
}
