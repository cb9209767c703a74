import { beforeAll, describe, expect, it } from 'vitest';
import { trainInShardProcesses } from '../../src/compute/shards.ts';
import { trainAndReadManifest } from '../../src/engine/run.ts';
import { type LakeFixture, preparedLake } from '../engine/fixture.ts';

describe('N engine processes with --shard i/N over one lake', () => {
  let lake: LakeFixture;
  beforeAll(async () => {
    lake = await preparedLake({ partitions: 45, periods: 70 });
  });

  it('cover every partition exactly once and merge into the single-process manifest', async () => {
    const merged = await trainInShardProcesses({
      configPath: lake.configPath,
      env: 'local',
      runId: 'three-nodes',
      runsDir: lake.layout.runs,
      count: 3,
      workersEach: 1,
      cwd: lake.root,
    });
    const single = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 'one-node',
    });
    const names = merged.partitions.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    // Pack names are random per batch; what must match is each record and that it points at an artifact.
    const strip = ({ durationMs: _d, artifact, ...rest }: (typeof merged.partitions)[number]) => ({
      ...rest,
      packed: artifact !== undefined,
    });
    expect(merged.partitions.map(strip)).toEqual(single.manifest.partitions.map(strip));
    expect(merged.shard).toBeNull();
  });
});
