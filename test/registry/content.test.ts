import { describe, expect, it } from 'vitest';
import { artifactContentHash } from '../../src/registry/content.ts';
import { makeArtifact } from '../promotion/fixtures.ts';

describe('artifactContentHash', () => {
  const artifact = makeArtifact({ key: ['1', 'tropicana'] }, { runId: 'run-1', partitions: [] });

  it('is the same for a retrain that changed nothing but the run id and the training time', () => {
    const retrain = {
      ...artifact,
      lineage: { ...artifact.lineage, runId: 'run-2', trainedAt: '2030-01-01T00:00:00.000Z' },
    };
    expect(artifactContentHash(retrain)).toBe(artifactContentHash(artifact));
  });

  it('differs when the data, the code or the fitted model differ', () => {
    const hash = artifactContentHash(artifact);
    const changed = [
      { ...artifact, lineage: { ...artifact.lineage, dataFingerprint: 'other' } },
      { ...artifact, lineage: { ...artifact.lineage, codeVersion: 'other' } },
      { ...artifact, window: { ...artifact.window, observations: artifact.window.observations + 1 } },
    ];
    for (const other of changed) expect(artifactContentHash(other)).not.toBe(hash);
  });
});
