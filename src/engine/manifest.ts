import type { CandidateKind } from '../core/vocabulary.ts';
import type { Metrics } from '../models/artifact.ts';
import type { Shard } from './shard.ts';

export type PartitionStatus = 'ok' | 'failed' | 'skipped';

/** One line per partition in a run: what happened to it and where its model is. */
export interface PartitionRecord {
  name: string;
  key: string[];
  status: PartitionStatus;
  chosen?: CandidateKind;
  /** The benchmark the chosen model had to beat (the artifact's `baseline`: naive family or mean), for `ok` partitions. */
  baseline?: CandidateKind;
  /** Holdout metrics of every candidate (the promotion step needs the baseline's too). */
  metrics?: Partial<Record<CandidateKind, Metrics>>;
  /** Artifact path relative to the run folder, for `ok` partitions. */
  artifact?: string;
  /** For `failed`: the error class and message. For `skipped`: why. */
  error?: { class: string; message: string };
  reason?: string;
  observations: number;
  durationMs: number;
}

export interface RunManifest {
  schemaVersion: 1;
  runId: string;
  startedAt: string;
  finishedAt: string;
  codeVersion: string;
  dataFingerprint: string;
  partitionBy: string[];
  shard: Shard | null;
  totals: Record<PartitionStatus, number>;
  /** Sorted by name, so merged shard manifests compare equal to a single-process one. */
  partitions: PartitionRecord[];
}
