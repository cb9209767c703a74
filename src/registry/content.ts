import { createHash } from 'node:crypto';
import type { ModelArtifact } from '../models/artifact.ts';

/** The tag that holds what a model is, apart from which run produced it and when (see `artifactContentHash`). */
export const CONTENT_TAG = 'mm.content.sha256';

/**
 * A hash of a model's content: its fitted states, evidence and the code and data it came from, without the run id
 * and training time. A retrain of unchanged data by unchanged code gives the same hash, so a registry can keep
 * the version it has instead of writing another (on Azure ML every version is an ARM write, and ARM allows about
 * ten a second per identity).
 */
export function artifactContentHash(artifact: ModelArtifact): string {
  const { runId: _runId, trainedAt: _trainedAt, ...lineage } = artifact.lineage;
  return createHash('sha256')
    .update(JSON.stringify({ ...artifact, lineage }))
    .digest('hex');
}
