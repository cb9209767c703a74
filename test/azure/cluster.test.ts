import { describe, expect, it } from 'vitest';
import { effectiveStorage, shardFromEnv } from '../../src/azure/cluster.ts';

describe('shardFromEnv', () => {
  it("reads this node's shard from the PyTorch launcher's NODE_RANK and WORLD_SIZE", () => {
    expect(shardFromEnv({ NODE_RANK: '2', WORLD_SIZE: '4' })).toEqual({ index: 2, count: 4 });
  });

  it('falls back to the MPI launcher variables, and to no shard outside a job', () => {
    expect(shardFromEnv({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '2' })).toEqual({
      index: 0,
      count: 2,
    });
    expect(shardFromEnv({})).toBeUndefined();
  });

  it('refuses a rank outside the node count', () => {
    expect(() => shardFromEnv({ NODE_RANK: '4', WORLD_SIZE: '4' })).toThrow('node rank 4 of 4');
  });
});

describe('effectiveStorage', () => {
  const azure = {
    kind: 'azure' as const,
    accountUrl: 'https://mmdevlake.blob.core.windows.net',
    container: 'lake',
    cacheRoot: '.mm/cache',
  };

  it('uses the mounted lake as a local folder inside an AML job', () => {
    expect(
      effectiveStorage(azure, { MM_LAKE_ROOT: '/mnt/azureml/cr/j/abc/cap/data-capability/wd/lake' }),
    ).toEqual({
      kind: 'local',
      root: '/mnt/azureml/cr/j/abc/cap/data-capability/wd/lake',
    });
  });

  it('leaves the configured storage alone elsewhere', () => {
    expect(effectiveStorage(azure, {})).toBe(azure);
  });
});
