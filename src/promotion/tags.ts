import { currentOutcome } from '../contracts/decisions.ts';
import { EXIT } from '../core/errors.ts';
import { CANDIDATES, type CandidateKind } from '../core/vocabulary.ts';
import { decide, type PromotionDecision, type PromotionEvidence, type PromotionRules } from './rules.ts';

/**
 * The promotion tags a prod model carries. They record the holdout evidence itself (actuals and the three
 * forecasts), not just the resulting metrics, so a reader (the Pulumi policy pack, an auditor) can recompute the
 * decision with the same rules and catch a tag that claims a better metric than the evidence gives.
 */
export const TAG = {
  rulesVersion: 'mm.rules.version',
  metricName: 'mm.metric.name',
  candidateMetric: 'mm.metric.candidate',
  baselineMetric: 'mm.metric.baseline',
  championMetric: 'mm.metric.champion',
  actual: 'mm.holdout.actual',
  candidateForecast: 'mm.holdout.candidate',
  baselineForecast: 'mm.holdout.baseline',
  championForecast: 'mm.holdout.champion',
  candidateKind: 'mm.kind.candidate',
  baselineKind: 'mm.kind.baseline',
  championKind: 'mm.kind.champion',
  hasChampion: 'mm.champion.exists',
  scale: 'mm.holdout.scale',
  history: 'mm.history',
  outcome: 'mm.promotion.outcome',
  /** 'candidate' or 'baseline' (the baseline as a stand-in): which model this prod version is; see `isBaselineStandIn`. */
  role: 'mm.role',
  /** The champion's lineage when the decision was made; the candidate's own is in its lineage tags. */
  championFingerprint: 'mm.champion.data.fingerprint',
  championCodeVersion: 'mm.champion.code.version',
  fingerprint: 'mm.data.fingerprint',
  codeVersion: 'mm.code.version',
} as const;

/**
 * Whether a prod version is the baseline standing in for a candidate that failed the rules where prod had no
 * champion. Versions promoted before the rename carry `mm.role=fallback` and `mm.promotion.outcome=promote-fallback`;
 * they are read the same (the tags in a registry are not rewritten).
 */
export function isBaselineStandIn(tags: Readonly<Record<string, string>>): boolean {
  const role = tags[TAG.role];
  if (role !== undefined) return role === 'baseline' || role === 'fallback';
  return currentOutcome(tags[TAG.outcome]) === 'promote-baseline';
}

const numbers = (values: readonly number[]) => values.map((v) => String(Number(v.toPrecision(12)))).join(',');

export function tagsFromEvidence(
  evidence: PromotionEvidence,
  decision: PromotionDecision,
): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.rulesVersion]: decision.rulesVersion,
    [TAG.metricName]: decision.metricName,
    [TAG.candidateMetric]: String(decision.metrics.candidate),
    [TAG.baselineMetric]: String(decision.metrics.baseline),
    [TAG.actual]: numbers(evidence.actual),
    [TAG.candidateForecast]: numbers(evidence.candidate.forecast),
    [TAG.baselineForecast]: numbers(evidence.baseline.forecast),
    [TAG.candidateKind]: evidence.candidate.kind,
    [TAG.baselineKind]: evidence.baseline.kind,
    [TAG.hasChampion]: String(evidence.hasChampion),
    [TAG.scale]: String(evidence.scale),
    [TAG.history]: String(evidence.history),
    [TAG.outcome]: decision.outcome,
    [TAG.role]: decision.outcome === 'promote-baseline' ? 'baseline' : 'candidate',
  };
  if (evidence.lineage?.champion) {
    tags[TAG.championFingerprint] = evidence.lineage.champion.dataFingerprint;
    tags[TAG.championCodeVersion] = evidence.lineage.champion.codeVersion;
  }
  if (evidence.champion) {
    tags[TAG.championKind] = evidence.champion.kind;
    tags[TAG.championForecast] = numbers(evidence.champion.forecast);
    tags[TAG.championMetric] = String(decision.metrics.champion);
  }
  return tags;
}

export class TagError extends Error {
  override readonly name = 'TagError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
}

function required(tags: Record<string, string>, key: string): string {
  const value = tags[key];
  if (value === undefined || value === '') throw new TagError(`missing tag ${key}`);
  return value;
}

/** `missing` allows 'NaN': an actual the holdout lacks (a gap in the data), which every metric skips. */
function parseNumbers(tags: Record<string, string>, key: string, missing = false): number[] {
  const texts = required(tags, key).split(',');
  const values = texts.map(Number);
  if (values.some((v, i) => !Number.isFinite(v) && !(missing && texts[i] === 'NaN'))) {
    throw new TagError(`tag ${key} holds a non-numeric value`);
  }
  return values;
}

function parseKind(tags: Record<string, string>, key: string): CandidateKind {
  const value = required(tags, key);
  if (!(CANDIDATES as readonly string[]).includes(value))
    throw new TagError(`tag ${key} names unknown kind '${value}'`);
  return value as CandidateKind;
}

function parseNumber(tags: Record<string, string>, key: string): number {
  const value = Number(required(tags, key));
  if (Number.isNaN(value)) throw new TagError(`tag ${key} is not a number`);
  return value;
}

export function evidenceFromTags(tags: Record<string, string>): PromotionEvidence {
  const actual = parseNumbers(tags, TAG.actual, true);
  const candidate = {
    kind: parseKind(tags, TAG.candidateKind),
    forecast: parseNumbers(tags, TAG.candidateForecast),
  };
  const baseline = {
    kind: parseKind(tags, TAG.baselineKind),
    forecast: parseNumbers(tags, TAG.baselineForecast),
  };
  const champion =
    tags[TAG.championKind] !== undefined
      ? { kind: parseKind(tags, TAG.championKind), forecast: parseNumbers(tags, TAG.championForecast) }
      : undefined;
  for (const [label, f] of [
    ['candidate', candidate.forecast],
    ['baseline', baseline.forecast],
    ['champion', champion?.forecast],
  ] as const) {
    if (f && f.length !== actual.length) {
      throw new TagError(
        `the ${label} holdout forecast has ${f.length} values but the actuals have ${actual.length}`,
      );
    }
  }
  return {
    actual,
    candidate,
    baseline,
    champion,
    hasChampion: required(tags, TAG.hasChampion) === 'true',
    scale: parseNumber(tags, TAG.scale),
    history: parseNumber(tags, TAG.history),
    lineage: lineageFromTags(tags),
  };
}

function lineageFromTags(tags: Record<string, string>): PromotionEvidence['lineage'] {
  const fingerprint = tags[TAG.fingerprint];
  const code = tags[TAG.codeVersion];
  if (!fingerprint || !code) return undefined;
  const championFingerprint = tags[TAG.championFingerprint];
  const championCode = tags[TAG.championCodeVersion];
  return {
    candidate: { dataFingerprint: fingerprint, codeVersion: code },
    champion:
      championFingerprint && championCode
        ? { dataFingerprint: championFingerprint, codeVersion: championCode }
        : undefined,
  };
}

function sameNumber(claimed: number, computed: number): boolean {
  if (claimed === computed) return true;
  return Math.abs(claimed - computed) <= 1e-9 * Math.max(1, Math.abs(computed));
}

export interface TagVerdict {
  /** True when the tags prove the model may serve in prod under these rules. */
  allowed: boolean;
  violations: string[];
  decision?: PromotionDecision;
}

/**
 * Re-derives the decision from the recorded evidence and checks the tags against it: a model may be in prod as
 * a promoted candidate only if the rules promote it, or as the baseline stand-in only if prod had no champion.
 */
export function verifyPromotionTags(tags: Record<string, string>, rules: PromotionRules): TagVerdict {
  let evidence: PromotionEvidence;
  try {
    evidence = evidenceFromTags(tags);
  } catch (error) {
    return { allowed: false, violations: [(error as Error).message] };
  }
  const violations: string[] = [];
  if (tags[TAG.metricName] !== rules.metric) {
    violations.push(
      `tag ${TAG.metricName} is '${tags[TAG.metricName] ?? ''}' but the rules use '${rules.metric}'`,
    );
  }
  const decision = decide(evidence, rules);
  const claims: [string, number | null][] = [
    [TAG.candidateMetric, decision.metrics.candidate],
    [TAG.baselineMetric, decision.metrics.baseline],
    [TAG.championMetric, decision.metrics.champion],
  ];
  for (const [key, computed] of claims) {
    if (tags[key] === undefined || computed === null) continue;
    const claimed = Number(tags[key]);
    if (!sameNumber(claimed, computed)) {
      violations.push(`tag ${key} claims ${tags[key]} but the recorded holdout values give ${computed}`);
    }
  }
  if (isBaselineStandIn(tags)) {
    if (evidence.hasChampion)
      violations.push('a baseline stand-in may only be promoted where prod has no champion');
  } else if (decision.outcome !== 'promote') {
    violations.push(`the promotion rules reject this model: ${decision.reasons.join('; ')}`);
  }
  return { allowed: violations.length === 0, violations, decision };
}
