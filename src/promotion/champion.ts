import { CANDIDATES, type CandidateKind } from '../core/vocabulary.ts';
import type { ModelRegistry, ModelVersion } from '../registry/types.ts';
import type { Lineage } from './rules.ts';
import { isBaselineStandIn, TAG } from './tags.ts';

/** The served model kind as the prod tags record it (`mm.kind`, written with the lineage tags). */
export const KIND_TAG = 'mm.kind';
export const RUN_TAG = 'mm.run.id';

export interface Champion {
  version: ModelVersion;
  /** Undefined when neither the tags nor the artifact name a known kind: the rules then fail closed. */
  kind: CandidateKind | undefined;
  /** The data and code it was trained from (its lineage tags); undefined for versions that lack them. */
  lineage: Lineage | undefined;
}

export interface ChampionLookup {
  /** The prod model the run is judged against; undefined when prod has none from an earlier run. */
  champion: Champion | undefined;
  /** Prod's latest version when this run already promoted it (a re-run, or a promoter killed after registering). */
  ownVersion: ModelVersion | undefined;
  /** Prod's latest version number at the look-up (null: none): registration is conditional on it. */
  latestVersion: number | null;
}

const isKind = (value: string | undefined): value is CandidateKind =>
  value !== undefined && (CANDIDATES as readonly string[]).includes(value);

function kindFromTags(tags: Record<string, string>): CandidateKind | undefined {
  if (isKind(tags[KIND_TAG])) return tags[KIND_TAG];
  const byRole = isBaselineStandIn(tags) ? tags[TAG.baselineKind] : tags[TAG.candidateKind];
  return isKind(byRole) ? byRole : undefined;
}

/**
 * Finds the champion a run is judged against: prod's latest version, or, when that version came from this very
 * run, the one before it, so a re-run reaches the same decisions instead of judging the run against itself.
 * The kind comes from the tags (no download); only a version without kind tags has its artifact loaded.
 */
export async function findChampion(
  prod: ModelRegistry,
  name: string,
  runId: string,
): Promise<ChampionLookup> {
  const latest = await prod.latest(name);
  if (!latest) return { champion: undefined, ownVersion: undefined, latestVersion: null };
  let candidate: ModelVersion | undefined = latest;
  let ownVersion: ModelVersion | undefined;
  if (latest.tags[RUN_TAG] === runId) {
    ownVersion = latest;
    candidate = undefined;
    for (let v = latest.version - 1; v >= 1; v--) {
      const older = await prod.load(name, v);
      if (older && older.version.tags[RUN_TAG] !== runId) {
        candidate = older.version;
        break;
      }
    }
  }
  if (!candidate) return { champion: undefined, ownVersion, latestVersion: latest.version };
  const kind = kindFromTags(candidate.tags) ?? (await prod.load(name, candidate.version))?.artifact.chosen;
  return {
    champion: {
      version: candidate,
      kind: isKind(kind) ? kind : undefined,
      lineage: lineageOf(candidate.tags),
    },
    ownVersion,
    latestVersion: latest.version,
  };
}

export const FINGERPRINT_TAG = 'mm.data.fingerprint';
export const CODE_VERSION_TAG = 'mm.code.version';

function lineageOf(tags: Record<string, string>): Lineage | undefined {
  const dataFingerprint = tags[FINGERPRINT_TAG];
  const codeVersion = tags[CODE_VERSION_TAG];
  return dataFingerprint && codeVersion ? { dataFingerprint, codeVersion } : undefined;
}
