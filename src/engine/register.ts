import { type ArtifactStore, localArtifactStore } from '../artifacts/store.ts';
import { modelArtifactSchema } from '../contracts/artifact.ts';
import { parseJsonText } from '../contracts/json-file.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import { artifactContentHash, CONTENT_TAG } from '../registry/content.ts';
import type { ModelRegistry, ModelVersion, RegisterRequest } from '../registry/types.ts';
import type { PartitionRecord, RunManifest } from './manifest.ts';

/** Tags every registered model carries, whatever the registry: lineage and the raw partition key. */
export function lineageTags(artifact: ModelArtifact, stage: string): Record<string, string> {
  const tags: Record<string, string> = {
    'mm.run.id': artifact.lineage.runId,
    'mm.code.version': artifact.lineage.codeVersion,
    'mm.data.fingerprint': artifact.lineage.dataFingerprint,
    'mm.stage': stage,
    'mm.kind': artifact.chosen,
    [CONTENT_TAG]: artifactContentHash(artifact),
  };
  for (const [column, value] of Object.entries(artifact.partition)) tags[`mm.key.${column}`] = value;
  const chosen = artifact.holdout.candidates[artifact.chosen];
  if (chosen)
    for (const [metric, value] of Object.entries(chosen.metrics)) tags[`mm.metric.${metric}`] = String(value);
  return tags;
}

/** Reads one artifact of a run (a pack reference or, for older runs, a file), see `src/artifacts/store.ts`. */
export async function readArtifact(runDir: string | ArtifactStore, ref: string): Promise<ModelArtifact> {
  const store = typeof runDir === 'string' ? localArtifactStore(runDir) : runDir;
  // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
  return parseJsonText(
    store.locate(ref),
    await store.read(ref),
    modelArtifactSchema,
    'artifact',
  ) as ModelArtifact;
}

/** Models registered per bulk call: bounds the artifacts held at once, whatever the run's size. */
const CHUNK = 1000;

/**
 * Registers every `ok` model of a run, a bulk call per chunk of models (idempotent on the run id), so
 * re-registering a run after a crash adds no duplicate versions; a model whose content did not change keeps its
 * version (see `artifactContentHash`). The versions returned are the new ones and the kept ones. Only one chunk's
 * artifacts are in memory at a time (`records` may be a manifest's array or a stream of its records).
 */
export async function registerRun(
  manifest: RunManifest | { partitions: Iterable<PartitionRecord> | AsyncIterable<PartitionRecord> },
  runDir: string,
  registry: ModelRegistry,
  options: { abortSignal?: AbortSignal | undefined } = {},
): Promise<ModelVersion[]> {
  const { abortSignal } = options;
  const store = localArtifactStore(runDir);
  const versions: ModelVersion[] = [];
  let requests: RegisterRequest[] = [];
  const flush = async () => {
    if (requests.length === 0) return;
    // The registry stops between versions and rejects with the signal's reason; a re-run is idempotent on the run id.
    const registered = await registry.registerMany(requests, {
      idempotencyTag: 'mm.run.id',
      keepUnchanged: true,
      ...(abortSignal ? { signal: abortSignal } : {}),
    });
    for (const version of registered) versions.push(version);
    requests = [];
  };
  for await (const record of manifest.partitions) {
    abortSignal?.throwIfAborted();
    if (record.status !== 'ok' || !record.artifact) continue;
    const artifact = await readArtifact(store, record.artifact);
    requests.push({ artifact, tags: lineageTags(artifact, registry.stage) });
    if (requests.length >= CHUNK) await flush();
  }
  await flush();
  return versions;
}
