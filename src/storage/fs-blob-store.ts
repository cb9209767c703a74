import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { mapLimit } from '../util/map-limit.ts';
import { checkKey, checkPrefix, checkRange, folderPrefix, joinKey } from './keys.ts';
import { md5OfFile, sizeOf, walkFiles } from './local-files.ts';
import { DEFAULT_SYNC_CONCURRENCY, emptyStats, type SyncStats } from './sync.ts';
import type { BlobStore, SyncOptions } from './types.ts';

export interface FsBlobStoreOptions {
  concurrency?: number;
}

/**
 * The lake as a local folder: a key is a path below the root. Puts and copies go through a temporary sibling and
 * a rename, so a reader (or a crash) never sees half a file.
 */
export class FsBlobStore implements BlobStore {
  readonly location: string;
  readonly root: string;
  readonly #concurrency: number;

  constructor(root: string, options: FsBlobStoreOptions = {}) {
    this.root = path.resolve(root);
    this.location = this.root;
    this.#concurrency = options.concurrency ?? DEFAULT_SYNC_CONCURRENCY * 2;
  }

  pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    await writeFileAtomic(this.pathOf(key), data);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkRange(offset, length);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    try {
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw error;
    } finally {
      await handle.close();
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await sizeOf(this.pathOf(key))) !== undefined;
  }

  async *list(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix);
    // Walk only the deepest folder the prefix names, then filter by the rest as blob listing would.
    const slash = prefix.lastIndexOf('/');
    const folder = slash >= 0 ? prefix.slice(0, slash) : '';
    const base = folder ? path.join(this.root, ...folder.split('/')) : this.root;
    for (const file of await walkFiles(base)) {
      const key = folder ? `${folder}/${file.relative}` : file.relative;
      if (key.startsWith(prefix)) yield key;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async uploadDir(localDir: string, prefix: string, options: SyncOptions = {}): Promise<number> {
    return (await this.syncUp(localDir, prefix, options)).transferred;
  }

  async downloadDir(prefix: string, localDir: string, options: SyncOptions = {}): Promise<number> {
    return (await this.syncDown(prefix, localDir, options)).transferred;
  }

  /** Copies a local folder under `prefix`, skipping files the store already holds with the same bytes. */
  async syncUp(localDir: string, prefix: string, options: SyncOptions = {}): Promise<SyncStats> {
    return this.#copyAll(
      await walkFiles(localDir),
      (relative) => this.pathOf(joinKey(prefix, relative)),
      options,
    );
  }

  /** Copies every key below `prefix` into a local folder, skipping files already there with the same bytes. */
  async syncDown(prefix: string, localDir: string, options: SyncOptions = {}): Promise<SyncStats> {
    const folder = folderPrefix(prefix);
    const source = folder ? path.join(this.root, ...folder.slice(0, -1).split('/')) : this.root;
    return this.#copyAll(
      await walkFiles(source),
      (relative) => path.join(localDir, ...relative.split('/')),
      options,
    );
  }

  async #copyAll(
    files: Awaited<ReturnType<typeof walkFiles>>,
    targetOf: (relative: string) => string,
    options: SyncOptions,
  ): Promise<SyncStats> {
    const stats = emptyStats();
    const abortSignal = options.abortSignal;
    await mapLimit(
      files,
      this.#concurrency,
      async (file) => {
        const target = targetOf(file.relative);
        if (await sameFile(file.absolute, file.size, target)) {
          stats.skipped++;
          return;
        }
        await copyAtomic(file.absolute, target);
        stats.transferred++;
        stats.bytes += file.size;
      },
      { abortSignal },
    );
    return stats;
  }
}

async function sameFile(source: string, size: number, target: string): Promise<boolean> {
  if ((await sizeOf(target)) !== size) return false;
  const [a, b] = await Promise.all([md5OfFile(source), md5OfFile(target)]);
  return a.equals(b);
}

async function copyAtomic(source: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await copyFile(source, tmp);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
