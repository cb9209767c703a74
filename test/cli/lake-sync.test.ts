import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mirrorToLake, pullFromLake, pushToLake } from '../../src/cli/lake-sync.ts';
import { configSchema } from '../../src/config/schema.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';

// A folder stands in for the ADLS account: the functions only see the BlobStore interface.
function setup() {
  const cache = mkdtempSync(path.join(tmpdir(), 'mm-cache-'));
  const lake = mkdtempSync(path.join(tmpdir(), 'mm-lake-'));
  const config = configSchema.parse({
    dataset: { path: 'x.csv', partitionBy: ['k'], time: 't', target: 'y', frequency: 'W' },
    forecast: { horizon: 1, holdout: 1 },
    storage: { kind: 'azure', accountUrl: 'https://mmdevlake.blob.core.windows.net', cacheRoot: cache },
  });
  const write = (root: string, rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  return { cache, lake, config, store: new FsBlobStore(lake), write };
}

describe('syncing the local cache with the lake', () => {
  it('mirrors prepared data: changed files go up and keys the cache no longer has are removed', async () => {
    const { cache, lake, config, store, write } = setup();
    write(cache, 'prepared/bucket=000/part.parquet', 'new 0');
    write(cache, 'prepared/meta.json', '{"buckets":1}');
    write(lake, 'prepared/bucket=000/part.parquet', 'old 0');
    write(lake, 'prepared/bucket=001/part.parquet', 'stale bucket from a bigger prepare');
    write(lake, 'raw/sales.csv', 'other prefixes are untouched');
    await mirrorToLake(config, 'prepared', store);
    expect(readFileSync(path.join(lake, 'prepared/bucket=000/part.parquet'), 'utf8')).toBe('new 0');
    expect(existsSync(path.join(lake, 'prepared/meta.json'))).toBe(true);
    expect(existsSync(path.join(lake, 'prepared/bucket=001/part.parquet'))).toBe(false);
    expect(existsSync(path.join(lake, 'raw/sales.csv'))).toBe(true);
  });

  it('pulls a run down and pushes its decisions back', async () => {
    const { cache, lake, config, store, write } = setup();
    write(lake, 'runs/r1/manifest.json', '{}');
    await pullFromLake(config, ['runs/r1'], store);
    expect(readFileSync(path.join(cache, 'runs/r1/manifest.json'), 'utf8')).toBe('{}');
    write(cache, 'runs/r1/decisions.json', '[]');
    await pushToLake(config, ['runs/r1'], store);
    expect(readFileSync(path.join(lake, 'runs/r1/decisions.json'), 'utf8')).toBe('[]');
  });

  it('does nothing when the lake is the local storage root itself', async () => {
    const { lake, config, store, write } = setup();
    write(lake, 'prepared/keep.txt', 'x');
    await mirrorToLake({ ...config, storage: { kind: 'local', root: lake } }, 'prepared', store);
    expect(existsSync(path.join(lake, 'prepared/keep.txt'))).toBe(true);
  });
});
