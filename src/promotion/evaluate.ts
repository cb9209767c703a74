import path from 'node:path';
import { ContractError } from '../contracts/json-file.ts';
import { EXIT } from '../core/errors.ts';
import type { PartitionRecord } from '../engine/manifest.ts';
import type { StreamedManifest } from '../engine/manifest-stream.ts';
import { lineageTags } from '../engine/register.ts';
import type { ModelRegistry, ModelVersion, RegisterRequest } from '../registry/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import type { Progress } from '../util/progress.ts';
import { type ChampionLookup, findChampion, RUN_TAG } from './champion.ts';
import type { DecisionRecord, DecisionsFile } from './decision-record.ts';
import { writeDecisionsFile } from './decisions-file.ts';
import { EvidenceError, evidenceFrom, servedArtifact } from './evidence.ts';
import { decide, type PromotionRules, RULES_VERSION } from './rules.ts';
import { openRunManifest, PromotionInputError, readRunArtifact } from './run-input.ts';
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
  /** The champion look-up the decision was made against, so pass 2 rebuilds the same request without asking prod. */
  lookup?: ChampionLookup;
}

/** What pass 1 keeps of a partition it will register: a few hundred bytes, not its artifact and request. */
interface Pending {
  index: number;
  partition: Pick<PartitionRecord, 'name' | 'key' | 'status' | 'artifact'>;
  lookup: ChampionLookup;
  /**
   * Pass 1's request, kept for the first chunk of promotions only (at most CHUNK artifacts, what pass 2 holds at a
   * time anyway): a run of up to CHUNK promotions then reads and parses each artifact once, not twice.
   */
  request?: RegisterRequest;
}

/** Partitions read, planned and registered at a time: what bounds promotion's memory, whatever the run's size. */
const CHUNK = 1000;

/**
 * Evaluate-and-promote: a decision with its reasons for every partition of a run, and every qualifying model
 * (or, where prod has nothing yet, the baseline as a tagged stand-in) registered in prod.
 * Idempotent: a re-run judges each partition against the champion it had before this run and registers nothing
 * twice. Every input problem is found before anything is written, so bad input promotes nothing.
 *
 * Two passes over the manifest, streamed (`openManifest`): the first reads every artifact and decides (keeping
 * the decision rows and, for partitions to register, their champion look-up); the second re-reads only those
 * artifacts, rebuilds the same requests and registers them a chunk at a time. Memory holds the decision rows, not
 * the run's artifacts.
 */
export async function evaluateAndPromote(options: EvaluateOptions): Promise<DecisionsFile> {
  const manifest = await openRunManifest(options.runDir);
  const runId = manifest.header.runId;
  const decidedAt = (options.now?.() ?? new Date()).toISOString();
  const totalsInHeader = manifest.header.totals;
  const total = totalsInHeader
    ? totalsInHeader.ok + totalsInHeader.failed + totalsInHeader.skipped
    : await countRecords(manifest);
  const progress = options.progress?.(total);
  const problems: string[] = [];
  const records: DecisionRecord[] = [];
  const pending: Pending[] = [];
  const seen = new Set<string>();
  let done = 0;
  const planChunk = async (chunk: PartitionRecord[]) => {
    const plans = await mapLimit(chunk, options.concurrency ?? 16, async (record) => {
      options.signal?.throwIfAborted();
      let plan: Plan | undefined;
      try {
        plan = await planPartition(record, runId, options, decidedAt);
      } catch (error) {
        if (!(error instanceof PromotionInputError || error instanceof EvidenceError)) throw error;
        problems.push(error instanceof EvidenceError ? `${record.name}: ${error.message}` : error.message);
      }
      progress?.tick(++done, problems.length);
      return plan;
    });
    plans.forEach((plan, i) => {
      if (!plan) return;
      const index = records.push(plan.record) - 1;
      if (plan.ownVersion && plan.request) plan.record.prodVersion = plan.ownVersion.version;
      plan.record.newVersion = options.dryRun && plan.request !== undefined && !plan.ownVersion;
      if (plan.request && !plan.ownVersion && plan.lookup) {
        const { name, key, status, artifact } = chunk[i]!;
        const kept: Pending = {
          index,
          partition: { name, key, status, artifact },
          lookup: slim(plan.lookup),
        };
        if (pending.length < CHUNK) kept.request = plan.request;
        pending.push(kept);
      }
    });
  };
  try {
    let chunk: PartitionRecord[] = [];
    for await (const record of manifest.records(options.signal ? { signal: options.signal } : {})) {
      if (seen.has(record.name)) {
        throw new PromotionInputError(`run manifest ${manifest.file} lists partition ${record.name} twice`);
      }
      seen.add(record.name);
      chunk.push(record);
      if (chunk.length >= CHUNK) {
        await planChunk(chunk);
        chunk = [];
      }
    }
    await planChunk(chunk);
  } catch (error) {
    if (error instanceof ContractError) throw new PromotionInputError(error.message);
    throw error;
  } finally {
    progress?.stop();
  }
  seen.clear();

  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
    if (problems.length > MAX_LISTED) listed.push(`  - ... and ${problems.length - MAX_LISTED} more`);
    throw new PromotionInputError(
      `nothing was promoted: ${problems.length} partition(s) of run ${runId} cannot be evaluated:\n${listed.join('\n')}`,
    );
  }

  if (!options.dryRun) {
    for (let start = 0; start < pending.length; start += CHUNK) {
      options.signal?.throwIfAborted();
      await registerChunk(pending.slice(start, start + CHUNK), records, runId, options, decidedAt);
    }
  }

  const totals: DecisionsFile['totals'] = {
    promote: 0,
    'keep-champion': 0,
    'promote-baseline': 0,
    'not-trained': 0,
  };
  for (const record of records) totals[record.outcome]++;
  const file: DecisionsFile = {
    schemaVersion: 1,
    runId,
    rulesVersion: RULES_VERSION,
    dryRun: options.dryRun,
    decidedAt,
    totals,
    decisions: records,
  };
  if (!options.dryRun) await writeDecisionsFile(decisionsPath(options.runDir), file);
  return file;
}

/**
 * Registers one chunk of pass 1's promotions: the same requests, rebuilt from the artifacts and the champion
 * look-ups the decisions were made against, as one compare-and-swap bulk call; a partition whose prod moved
 * meanwhile (another run's promoter) is decided again against what prod holds now, up to a bound of rounds.
 */
async function registerChunk(
  chunk: readonly Pending[],
  records: DecisionRecord[],
  runId: string,
  options: EvaluateOptions,
  decidedAt: string,
): Promise<void> {
  let plans = await mapLimit(chunk, options.concurrency ?? 16, (p) =>
    p.request
      ? Promise.resolve<Plan>({ record: records[p.index]!, request: p.request, lookup: p.lookup })
      : planPartition(p.partition as PartitionRecord, runId, options, decidedAt, p.lookup),
  );
  let indexes = chunk.map((p) => p.index);
  for (let attempt = 1; ; attempt++) {
    plans.forEach((plan, i) => {
      plan.record.newVersion = false;
      if (attempt > 1)
        plan.record.reasons.push('decided again: prod changed while this run was being promoted');
      records[indexes[i]!] = plan.record;
      if (plan.ownVersion && plan.request) plan.record.prodVersion = plan.ownVersion.version;
    });
    const live = plans.flatMap((plan, i) => (plan.request && !plan.ownVersion ? [i] : []));
    if (live.length === 0) return;
    const versions = await options.prod.registerMany(
      live.map((i) => plans[i]!.request!),
      { idempotencyTag: RUN_TAG, ...(options.signal ? { signal: options.signal } : {}) },
    );
    const moved: number[] = [];
    live.forEach((i, j) => {
      const version = versions[j]!;
      const plan = plans[i]!;
      plan.record.prodVersion = version.version;
      // Another promoter of the same run may have won the race; then this call registered nothing.
      plan.record.newVersion = version.tags[PROMOTED_AT_TAG] === decidedAt;
      // Another run's promoter changed prod after this decision was made: decide again against what it put there.
      if (version.tags[RUN_TAG] !== runId) moved.push(i);
    });
    if (moved.length === 0) return;
    if (attempt >= MAX_DECISION_ROUNDS) {
      throw new PromotionRaceError(
        `prod kept changing under ${moved.length} partition(s) of run ${runId} for ${attempt} rounds ` +
          '(other promotions running at once); the ones decided so far are registered, re-run to finish',
      );
    }
    const movedChunk = moved.map((i) => chunk[i]!);
    indexes = moved.map((i) => indexes[i]!);
    chunk = movedChunk;
    plans = await mapLimit(movedChunk, options.concurrency ?? 16, (p) =>
      planPartition(p.partition as PartitionRecord, runId, options, decidedAt),
    );
  }
}

/** A champion look-up without the champion's tags (evidence needs its kind and lineage only). */
function slim(lookup: ChampionLookup): ChampionLookup {
  const strip = (v: ModelVersion | undefined) => v && { ...v, tags: {} };
  return {
    ...lookup,
    champion: lookup.champion && { ...lookup.champion, version: strip(lookup.champion.version)! },
    ownVersion: strip(lookup.ownVersion),
  };
}

async function countRecords(manifest: StreamedManifest): Promise<number> {
  let count = 0;
  for await (const _ of manifest.records()) count++;
  return count;
}

async function planPartition(
  record: PartitionRecord,
  runId: string,
  options: EvaluateOptions,
  decidedAt: string,
  known?: ChampionLookup,
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
  const lookup = known ?? (await findChampion(options.prod, record.name, runId));
  const { champion, ownVersion, latestVersion } = lookup;
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
  plan.lookup = lookup;
  if (promotes) {
    const served = servedArtifact(artifact, decision.outcome === 'promote-baseline');
    plan.request = {
      artifact: served,
      tags: {
        ...lineageTags(served, 'prod'),
        ...tagsFromEvidence(evidence, decision),
        [RUN_TAG]: runId,
        [PROMOTED_AT_TAG]: decidedAt,
      },
      expectedLatest: latestVersion,
    };
  }
  return plan;
}
