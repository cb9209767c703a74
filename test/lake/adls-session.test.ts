import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdlsLakeSession } from '../../src/lake/adls-session.ts';
import { LocalLakeSession } from '../../src/lake/local-session.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';

// A folder stands in for the ADLS account: the session only sees the BlobStore interface.
function setup() {
  const cache = mkdtempSync(path.join(tmpdir(), 'mm-cache-'));
  const lake = mkdtempSync(path.join(tmpdir(), 'mm-lake-'));
  const write = (root: string, rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  const store = new FsBlobStore(lake);
  return { cache, lake, store, session: new AdlsLakeSession(store, cache), write };
}

describe('a stage seeing the ADLS lake through a local working folder', () => {
  it('mirrors prepared data: changed files go up and keys the cache no longer has are removed', async () => {
    const { cache, lake, session, write } = setup();
    write(cache, 'prepared/bucket=000/part.parquet', 'new 0');
    write(cache, 'prepared/meta.json', '{"buckets":1}');
    write(lake, 'prepared/bucket=000/part.parquet', 'old 0');
    write(lake, 'prepared/bucket=001/part.parquet', 'stale bucket from a bigger prepare');
    write(lake, 'raw/sales.csv', 'other prefixes are untouched');
    await session.mirror('prepared');
    expect(readFileSync(path.join(lake, 'prepared/bucket=000/part.parquet'), 'utf8')).toBe('new 0');
    expect(existsSync(path.join(lake, 'prepared/meta.json'))).toBe(true);
    expect(existsSync(path.join(lake, 'prepared/bucket=001/part.parquet'))).toBe(false);
    expect(existsSync(path.join(lake, 'raw/sales.csv'))).toBe(true);
  });

  it('pulls a run down and pushes its decisions back', async () => {
    const { cache, lake, session, write } = setup();
    write(lake, 'runs/r1/manifest.json', '{}');
    await session.pull(['runs/r1']);
    expect(readFileSync(path.join(cache, 'runs/r1/manifest.json'), 'utf8')).toBe('{}');
    write(cache, 'runs/r1/decisions.json', '[]');
    await session.push(['runs/r1']);
    expect(readFileSync(path.join(lake, 'runs/r1/decisions.json'), 'utf8')).toBe('[]');
  });

  it('does nothing when the lake is a local folder: the stage works in place', async () => {
    const { lake, write } = setup();
    write(lake, 'prepared/keep.txt', 'x');
    await new LocalLakeSession(lake).mirror();
    expect(existsSync(path.join(lake, 'prepared/keep.txt'))).toBe(true);
  });
});
