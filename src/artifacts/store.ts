import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../storage/types.ts';
import { type ArtifactRef, parseArtifactRef } from './pack.ts';

/**
 * Where the artifacts of one run are read from. Every reader (registration, promotion, the report, benchmarks)
 * goes through this interface, so packs and the older one-file-per-model layout are one thing to them, and a run
 * folder on local disk or on the lake reads the same.
 */
export interface ArtifactStore {
  /** Human-readable location of a reference, for messages. */
  locate(ref: string): string;
  /** The artifact's JSON text; throws an error naming the reference when it is missing or cut short. */
  read(ref: string): Promise<string>;
  /** Whether the artifact is fully present (a resumed run retrains partitions whose artifact is not). */
  has(ref: string): Promise<boolean>;
}

export class ArtifactReadError extends Error {
  override readonly name = 'ArtifactReadError';
}

/** Resolves a reference's file inside the run folder; a reference may never leave it. */
function inside(runDir: string, ref: string): { file: string; parsed: ArtifactRef } {
  const parsed = parseArtifactRef(ref);
  const base = path.resolve(runDir);
  const file = path.resolve(base, parsed.file);
  if (!file.startsWith(base + path.sep)) {
    throw new ArtifactReadError(`artifact reference '${ref}' points outside the run folder ${base}`);
  }
  return { file, parsed };
}

/** The artifacts of a run folder on local disk: one positioned read per artifact, whatever the pack's size. */
export function localArtifactStore(runDir: string): ArtifactStore {
  return {
    locate: (ref) => {
      const { file, parsed } = inside(runDir, ref);
      return parsed.range ? `${file} (bytes ${parsed.range.offset}+${parsed.range.length})` : file;
    },
    async read(ref) {
      const { file, parsed } = inside(runDir, ref);
      try {
        if (!parsed.range) return await readFile(file, 'utf8');
        const { offset, length } = parsed.range;
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.allocUnsafe(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          if (bytesRead !== length) {
            throw new ArtifactReadError(
              `artifact ${ref} is cut short: ${file} ends ${length - bytesRead} byte(s) before it`,
            );
          }
          return buffer.toString('utf8');
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (error instanceof ArtifactReadError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new ArtifactReadError(`artifact ${ref} cannot be read (${code ?? String(error)}) at ${file}`, {
          cause: error,
        });
      }
    },
    async has(ref) {
      try {
        const { file, parsed } = inside(runDir, ref);
        const size = (await stat(file)).size;
        return parsed.range ? size >= parsed.range.offset + parsed.range.length : true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * The artifacts of a run folder on the lake (`prefix` = the run's key prefix): a pack is fetched whole once and
 * kept while consecutive reads come from it, so reading a run costs one blob operation per pack, not per model.
 */
export function blobArtifactStore(blobs: BlobStore, prefix: string, cachedPacks = 4): ArtifactStore {
  const cache = new Map<string, Promise<Uint8Array | undefined>>();
  const key = (ref: string) => {
    const parsed = parseArtifactRef(ref);
    const normalized = path.posix.normalize(parsed.file);
    if (normalized.startsWith('..') || path.posix.isAbsolute(normalized)) {
      throw new ArtifactReadError(`artifact reference '${ref}' points outside the run ${prefix}`);
    }
    return { key: path.posix.join(prefix, normalized), parsed };
  };
  const fetch = (k: string) => {
    let pending = cache.get(k);
    if (pending) {
      cache.delete(k); // re-inserted below: most recently used last
    } else {
      pending = blobs.get(k);
      pending.catch(() => cache.delete(k));
    }
    cache.set(k, pending);
    while (cache.size > cachedPacks) cache.delete(cache.keys().next().value!);
    return pending;
  };
  return {
    locate: (ref) => `${blobs.location}/${key(ref).key}`,
    async read(ref) {
      const { key: k, parsed } = key(ref);
      const bytes = await fetch(k);
      if (!bytes) throw new ArtifactReadError(`artifact ${ref} is missing: no blob ${blobs.location}/${k}`);
      if (!parsed.range) return Buffer.from(bytes).toString('utf8');
      const { offset, length } = parsed.range;
      if (bytes.length < offset + length) {
        throw new ArtifactReadError(`artifact ${ref} is cut short: blob ${blobs.location}/${k} is too small`);
      }
      return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('utf8');
    },
    async has(ref) {
      try {
        const { key: k, parsed } = key(ref);
        const bytes = await fetch(k);
        return !!bytes && (!parsed.range || bytes.length >= parsed.range.offset + parsed.range.length);
      } catch {
        return false;
      }
    },
  };
}
