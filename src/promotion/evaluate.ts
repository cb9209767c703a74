import path from 'node:path';
import { EXIT } from '../core/errors.ts';
import type { PartitionRecord, RunManifest } from '../engine/manifest.ts';
import { lineageTags } from '../engine/register.ts';
import type { ModelRegistry, ModelVersion, RegisterRequest } from '../registry/types.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { mapLimit } from '../util/map-limit.ts';
import type { Progress } from '../util/progress.ts';
import { findChampion, RUN_TAG } from './champion.ts';
import type { DecisionRecord, DecisionsFile } from './decision-record.ts';
import { EvidenceError, evidenceFrom, servedArtifact } from './evidence.ts';
import { decide, type PromotionRules, RULES_VERSION } from './rules.ts';
import { PromotionInputError, readManifest, readRunArtifact } from './run-input.ts';
import { tagsFromEvidence } from './tags.ts';

export interface EvaluateOptions {
  /** `runs/<runId>`: holds manifest.json and the artifacts; decisions.json is written here. */
  runDir: string;
  prod: ModelRegistry;
  rules: PromotionRules;
  /** Decide and report, but register nothing and write nothing. */
  dryRun: boolean;
  progress?: (total: number) => Progress;
  /** Partitions evaluated at once (artifact reads and champion look-ups). */
  concurrency?: number;
  now?: () => Date;
  signal?: AbortSignal;
}

export const PROMOTED_AT_TAG = 'mm.promoted.at';
const MAX_LISTED = 10;
/** Compare-and-swap rounds before giving up when prod keeps moving under concurrent promotions. */
const MAX_DECISION_ROUNDS = 20;

/** Concurrent promotions kept changing prod under this one; nothing was registered against a stale decision. */
export class PromotionRaceError extends Error {
  override readonly name = 'PromotionRaceError';
  readonly exitCode = EXIT.internal;
}

export function decisionsPath(runDir: string): string {
  return path.join(runDir, 'decisions.json');
}

interface Plan {
  record: DecisionRecord;
  request?: RegisterRequest;
  /** Set when this run's model is already prod's latest: nothing to register again. */
  ownVersion?: ModelVersion;
}

/**
 * Evaluate-and-promote: a decision with its reasons for every partition of a run, and every qualifying model
 * (or, where prod has nothing yet, the baseline as a tagged stand-in) registered in prod in one bulk call.
 * Idempotent: a re-run judges each partition against the champion it had before this run and registers nothing
 * twice. Every input problem is found before anything is written, so bad input promotes nothing.
 */
export async function evaluateAndPromote(options: EvaluateOptions): Promise<DecisionsFile> {
  const manifest = await readManifest(options.runDir);
  const decidedAt = (options.now?.() ?? new Date()).toISOString();
  const progress = options.progress?.(manifest.partitions.length);
  const problems: string[] = [];
  let done = 0;
  const plans = await mapLimit(manifest.partitions, options.concurrency ?? 16, async (record) => {
    options.signal?.throwIfAborted();
    let plan: Plan | undefined;
    try {
      plan = await planPartition(record, manifest, options, decidedAt);
    } catch (error) {
      if (!(error instanceof PromotionInputError || error instanceof EvidenceError)) throw error;
      problems.push(error instanceof EvidenceError ? `${record.name}: ${error.message}` : error.message);
    }
    progress?.tick(++done, problems.length);
    return plan;
  }).finally(() => progress?.stop());

  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
    if (problems.length > MAX_LISTED) listed.push(`  - ... and ${problems.length - MAX_LISTED} more`);
    throw new PromotionInputError(
      `nothing was promoted: ${problems.length} partition(s) of run ${manifest.runId} cannot be evaluated:\n${listed.join('\n')}`,
    );
  }
  const ready = plans as Plan[];

  for (let attempt = 1; ; attempt++) {
    const pending = ready.filter((p) => p.request && !p.ownVersion);
    for (const plan of ready) {
      if (plan.ownVersion && plan.request) plan.record.prodVersion = plan.ownVersion.version;
      plan.record.newVersion = options.dryRun && plan.request !== undefined && !plan.ownVersion;
    }
    if (options.dryRun || pending.length === 0) break;
    const versions = await options.prod.registerMany(
      pending.map((p) => p.request!),
      { idempotencyTag: RUN_TAG, ...(options.signal ? { signal: options.signal } : {}) },
    );
    const moved: number[] = [];
    pending.forEach((plan, i) => {
      const version = versions[i]!;
      plan.record.prodVersion = version.version;
      // Another promoter of the same run may have won the race; then this call registered nothing.
      plan.record.newVersion = version.tags[PROMOTED_AT_TAG] === decidedAt;
      // Another run's promoter changed prod after this decision was made: decide again against what it put there.
      if (version.tags[RUN_TAG] !== manifest.runId) moved.push(ready.indexOf(plan));
    });
    if (moved.length === 0) break;
    if (attempt >= MAX_DECISION_ROUNDS) {
      throw new PromotionRaceError(
        `prod kept changing under ${moved.length} partition(s) of run ${manifest.runId} for ${attempt} rounds ` +
          '(other promotions running at once); the ones decided so far are registered, re-run to finish',
      );
    }
    const replanned = await mapLimit(moved, options.concurrency ?? 16, (i) =>
      planPartition(manifest.partitions[i]!, manifest, options, decidedAt),
    );
    moved.forEach((i, j) => {
      const plan = replanned[j]!;
      plan.record.reasons.push(`decided again: prod changed while this run was being promoted`);
      ready[i] = plan;
    });
  }

  const totals: DecisionsFile['totals'] = {
    promote: 0,
    'keep-champion': 0,
    'promote-baseline': 0,
    'not-trained': 0,
  };
  for (const plan of ready) totals[plan.record.outcome]++;
  const file: DecisionsFile = {
    schemaVersion: 1,
    runId: manifest.runId,
    rulesVersion: RULES_VERSION,
    dryRun: options.dryRun,
    decidedAt,
    totals,
    decisions: ready.map((p) => p.record),
  };
  if (!options.dryRun) await writeJsonAtomic(decisionsPath(options.runDir), file);
  return file;
}

async function planPartition(
  record: PartitionRecord,
  manifest: RunManifest,
  options: EvaluateOptions,
  decidedAt: string,
): Promise<Plan> {
  const base = {
    name: record.name,
    key: record.key,
    metricName: options.rules.metric,
    prodVersion: null,
  };
  if (record.status !== 'ok') {
    const why =
      record.status === 'failed'
        ? `training failed: ${record.error ? `${record.error.class}: ${record.error.message}` : 'no error recorded'}`
        : `skipped: ${record.reason ?? 'no reason recorded'}`;
    return {
      record: {
        ...base,
        outcome: 'not-trained',
        reasons: [why],
        checks: [],
        metrics: { candidate: null, baseline: null, champion: null },
        candidateKind: null,
        championKind: null,
      },
    };
  }
  if (!record.artifact)
    throw new PromotionInputError(`${record.name} is 'ok' in the manifest but names no artifact`);
  const artifact = await readRunArtifact(options.runDir, record.artifact, record.name);
  const { champion, ownVersion, latestVersion } = await findChampion(
    options.prod,
    record.name,
    manifest.runId,
  );
  const evidence = evidenceFrom(artifact, champion);
  const decision = decide(evidence, options.rules);
  const reasons = [...decision.reasons];
  const promotes = decision.outcome !== 'keep-champion';
  if (ownVersion && !promotes) {
    reasons.push(
      `this run's model is already prod version ${ownVersion.version} (promoted by an earlier invocation)`,
    );
  }
  const plan: Plan = {
    record: {
      ...base,
      outcome: decision.outcome,
      reasons,
      checks: decision.checks,
      metrics: decision.metrics,
      candidateKind: artifact.chosen,
      championKind: champion?.kind ?? null,
    },
  };
  if (ownVersion) plan.ownVersion = ownVersion;
  if (promotes) {
    const served = servedArtifact(artifact, decision.outcome === 'promote-baseline');
    plan.request = {
      artifact: served,
      tags: {
        ...lineageTags(served, 'prod'),
        ...tagsFromEvidence(evidence, decision),
        [RUN_TAG]: manifest.runId,
        [PROMOTED_AT_TAG]: decidedAt,
      },
      expectedLatest: latestVersion,
    };
  }
  return plan;
}
