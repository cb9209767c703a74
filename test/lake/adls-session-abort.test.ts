import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdlsLakeSession } from '../../src/lake/adls-session.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import type { BlobStore, SyncOptions } from '../../src/storage/types.ts';

// A folder stands in for the ADLS account: the session only sees the BlobStore interface.
function setup(files: number) {
  const cache = mkdtempSync(path.join(tmpdir(), 'mm-cache-'));
  const lake = mkdtempSync(path.join(tmpdir(), 'mm-lake-'));
  for (let i = 0; i < files; i++) {
    const file = path.join(cache, 'runs/r1/packs', `${String(i).padStart(3, '0')}.jsonl`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `pack ${i}\n`.repeat(1000));
  }
  return { cache, lake };
}

/**
 * A signal that is aborted once the sync has asked it `afterChecks` times: the sync asks before each file it starts
 * (one at a time here), so the abort lands between files, deterministically.
 */
function abortingAfter(afterChecks: number): AbortSignal {
  const controller = new AbortController();
  let checks = 0;
  return new Proxy(controller.signal, {
    get(target, property) {
      if (property === 'aborted' && ++checks > afterChecks && !target.aborted) {
        controller.abort(new Error('stage cancelled'));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a lake session stopped by its abort signal', () => {
  it('given a push aborted part-way, when it stops, then it starts no further file and every file it left is whole', async () => {
    const { cache, lake } = setup(50);
    const session = new AdlsLakeSession(new FsBlobStore(lake, { concurrency: 1 }), cache);
    await expect(session.push(['runs/r1'], { abortSignal: abortingAfter(5) })).rejects.toThrow(
      'stage cancelled',
    );
    const left = readdirSync(path.join(lake, 'runs/r1/packs')).sort();
    expect(left).toEqual(['000.jsonl', '001.jsonl', '002.jsonl', '003.jsonl', '004.jsonl']); // no temp file
    for (const f of left) {
      expect(readFileSync(path.join(lake, 'runs/r1/packs', f))).toEqual(
        readFileSync(path.join(cache, 'runs/r1/packs', f)),
      );
    }
  });

  it('given a mirror aborted after its upload, when it stops, then it deletes nothing', async () => {
    const { cache, lake } = setup(1);
    mkdirSync(path.join(lake, 'runs/r1/packs'), { recursive: true });
    writeFileSync(path.join(lake, 'runs/r1/packs/old.jsonl'), 'stale');
    const controller = new AbortController();
    const store = new FsBlobStore(lake);
    const aborting = Object.assign(Object.create(store) as BlobStore, {
      async uploadDir(localDir: string, prefix: string, options?: SyncOptions) {
        const n = await store.uploadDir(localDir, prefix, options);
        controller.abort(new Error('stage cancelled'));
        return n;
      },
    });
    const session = new AdlsLakeSession(aborting, cache);
    await expect(session.mirror('runs/r1', { abortSignal: controller.signal })).rejects.toThrow(
      'stage cancelled',
    );
    expect(readdirSync(path.join(lake, 'runs/r1/packs')).sort()).toEqual(['000.jsonl', 'old.jsonl']);
  });
});
