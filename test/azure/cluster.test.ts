import { describe, expect, it } from 'vitest';
import { effectiveStorage } from '../../src/azure/cluster.ts';

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
