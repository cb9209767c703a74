import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type BlobItem, BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { type AzureCallContext, azureCall, isNotFound } from '../azure/errors.ts';
import { mapLimit } from '../util/map-limit.ts';
import {
  type AzureBlobStoreOptions,
  type AzureSyncStats,
  accountNameOf,
  type TransferOptions,
} from './azure-blob-store-options.ts';
import { uploadFileInBlocks } from './block-upload.ts';
import { emptyDirectories, isDirectory } from './hns-directories.ts';
import { checkKey, checkPrefix, checkRange, folderPrefix, joinKey } from './keys.ts';
import { md5Of, md5OfFile, sizeOf, walkFiles } from './local-files.ts';
import { DEFAULT_SYNC_CONCURRENCY, emptyStats, type SyncStats } from './sync.ts';
import type { BlobStore, SyncOptions } from './types.ts';

export {
  type AzureBlobStoreOptions,
  type AzureSyncStats,
  accountNameOf,
  type TransferOptions,
} from './azure-blob-store-options.ts';

const MiB = 1024 * 1024;

/**
 * The lake on ADLS Gen2 through the Blob API. Puts are atomic (one Put Blob, or staged blocks made visible by one
 * commit); folder syncs run files in parallel with a bound, skip files whose size and Content-MD5 already match,
 * and resume an interrupted large upload from the blocks Azure already holds.
 */
export class AzureBlobStore implements BlobStore {
  readonly location: string;
  readonly account: string;
  readonly container: ContainerClient;
  readonly #concurrency: number;
  readonly #blockSize: number;
  readonly #singleShot: number;
  readonly #blockConcurrency: number;
  readonly #timeoutMs: number;

  constructor(options: AzureBlobStoreOptions) {
    const service = new BlobServiceClient(options.accountUrl, options.credential, {
      retryOptions: {
        maxTries: options.maxTries ?? 4,
        retryDelayInMs: options.retryDelayMs ?? 500,
        maxRetryDelayInMs: options.maxRetryDelayMs ?? 15_000,
      },
    });
    this.container = service.getContainerClient(options.container);
    this.account = accountNameOf(options.accountUrl);
    this.location = `${this.container.url.split('?')[0]}`;
    this.#concurrency = options.concurrency ?? DEFAULT_SYNC_CONCURRENCY;
    this.#blockSize = options.blockSize ?? 8 * MiB;
    this.#singleShot = options.singleShotLimit ?? this.#blockSize;
    this.#blockConcurrency = options.blockConcurrency ?? 4;
    this.#timeoutMs = options.callTimeoutMs ?? 120_000;
  }

  #ctx(operation: string, write: boolean): AzureCallContext {
    return {
      service: 'storage',
      resource: `storage account ${this.account} (container ${this.container.containerName})`,
      operation,
      role: write ? 'Storage Blob Data Contributor' : 'Storage Blob Data Reader',
      scope: this.account,
      timeoutMs: this.#timeoutMs,
    };
  }

  #signal(bytes = 0): AbortSignal {
    // Big transfers get time in proportion to their size (at a floor of 1 MiB/s) on top of the call bound.
    return AbortSignal.timeout(this.#timeoutMs + Math.ceil(bytes / MiB) * 1000);
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    checkKey(key);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    await azureCall(this.#ctx(`put ${key}`, true), () =>
      this.container.getBlockBlobClient(key).uploadData(bytes, {
        blockSize: this.#blockSize,
        maxSingleShotSize: Math.max(this.#singleShot, 1),
        concurrency: this.#blockConcurrency,
        blobHTTPHeaders: { blobContentMD5: md5Of(bytes) },
        abortSignal: this.#signal(bytes.byteLength),
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    return azureCall(this.#ctx(`get ${key}`, false), async () => {
      try {
        const buffer = await this.container.getBlobClient(key).downloadToBuffer(0, undefined, {
          abortSignal: this.#signal(),
          maxRetryRequestsPerBlock: 3,
        });
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        if (isNotFound(error) && !isContainerMissing(error)) return undefined;
        throw error;
      }
    });
  }

  /**
   * A ranged Get Blob (`x-ms-range`). A range starting past the blob's end is answered 416 (InvalidRange), one
   * that runs past it with the bytes up to the end: "Specifying the range header for Blob service operations",
   * https://learn.microsoft.com/rest/api/storageservices/specifying-the-range-header-for-blob-service-operations
   */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkKey(key);
    checkRange(offset, length);
    return azureCall(this.#ctx(`get ${key} bytes ${offset}+${length}`, false), async () => {
      try {
        const response = await this.container
          .getBlobClient(key)
          .download(offset, length, { abortSignal: this.#signal(length), maxRetryRequests: 3 });
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
        const buffer = Buffer.concat(chunks);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 416) return new Uint8Array(0);
        if (isNotFound(error) && !isContainerMissing(error)) return undefined;
        throw error;
      }
    });
  }

  async exists(key: string): Promise<boolean> {
    checkKey(key);
    return azureCall(this.#ctx(`check ${key}`, false), () =>
      this.container.getBlobClient(key).exists({ abortSignal: this.#signal() }),
    );
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const item of this.#listItems(prefix)) yield item.name;
  }

  async *#listItems(prefix: string): AsyncIterable<{ name: string; size: number; md5?: Uint8Array }> {
    for await (const blob of this.#listEntries(prefix)) {
      if (isDirectory(blob)) continue;
      yield { name: blob.name, size: blob.properties.contentLength ?? 0, md5: blob.properties.contentMD5 };
    }
  }

  /**
   * Every entry below `prefix`. On an account with a hierarchical namespace (the lake is one) a flat listing
   * also returns each directory, as a zero-length blob with metadata hdi_isfolder=true: listed with metadata so
   * callers can tell them from files.
   */
  async *#listEntries(prefix: string): AsyncIterable<BlobItem> {
    checkPrefix(prefix);
    const pages = this.container
      .listBlobsFlat({ prefix: prefix || undefined, includeMetadata: true })
      .byPage({ maxPageSize: 5000 });
    const ctx = this.#ctx(`list ${prefix || '(all)'}`, false);
    while (true) {
      const page = await azureCall(ctx, () => pages.next());
      if (page.done) return;
      yield* page.value.segment.blobItems;
    }
  }

  /**
   * Deletes the directories below `prefix` that hold nothing any more, deepest first (an HNS account deletes a
   * directory through the Blob API only when it is empty; a flat account has none and this does nothing).
   */
  async pruneEmptyDirectories(prefix: string): Promise<number> {
    const entries: BlobItem[] = [];
    for await (const entry of this.#listEntries(folderPrefix(prefix))) entries.push(entry);
    const empty = emptyDirectories(entries);
    for (const directory of empty) {
      await azureCall(this.#ctx(`delete directory ${directory}`, true), () =>
        this.container.getBlobClient(directory).deleteIfExists({ abortSignal: this.#signal() }),
      );
    }
    return empty.length;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await azureCall(this.#ctx(`delete ${key}`, true), () =>
      this.container.getBlobClient(key).deleteIfExists({ abortSignal: this.#signal() }),
    );
  }

  async uploadDir(localDir: string, prefix: string, options: SyncOptions = {}): Promise<number> {
    const transfer = options.abortSignal ? { signal: options.abortSignal } : {};
    return (await this.syncUp(localDir, prefix, transfer)).transferred;
  }

  async downloadDir(prefix: string, localDir: string, options: SyncOptions = {}): Promise<number> {
    const transfer = options.abortSignal ? { signal: options.abortSignal } : {};
    return (await this.syncDown(prefix, localDir, transfer)).transferred;
  }

  /** Uploads a local folder under `prefix`; files whose size and MD5 match the blob are skipped. */
  async syncUp(localDir: string, prefix: string, options: TransferOptions = {}): Promise<AzureSyncStats> {
    const folder = folderPrefix(prefix);
    const files = await walkFiles(localDir);
    const remote = new Map<string, { size: number; md5?: Uint8Array }>();
    for await (const item of this.#listItems(folder)) remote.set(item.name, item);
    const stats: AzureSyncStats = { ...emptyStats(), reusedBlocks: 0 };
    await mapLimit(
      files,
      this.#concurrency,
      async (file) => {
        const key = joinKey(folder, file.relative);
        const md5 = await md5OfFile(file.absolute);
        const there = remote.get(key);
        if (there && there.size === file.size && there.md5 && md5.equals(Buffer.from(there.md5))) {
          stats.skipped++;
          return;
        }
        stats.reusedBlocks += (await this.#uploadFile(key, file.absolute, file.size, md5, options)).reused;
        stats.transferred++;
        stats.bytes += file.size;
      },
      { abortSignal: options.signal },
    );
    return stats;
  }

  /** Uploads one file (resumably above the single-shot limit): how many blocks were sent and reused. */
  async uploadFile(
    key: string,
    file: string,
    options: TransferOptions = {},
  ): Promise<{ staged: number; reused: number }> {
    checkKey(key);
    const size = await sizeOf(file);
    if (size === undefined) throw new Error(`cannot upload ${file}: no such file`);
    return this.#uploadFile(key, file, size, await md5OfFile(file), options);
  }

  async #uploadFile(key: string, file: string, size: number, md5: Uint8Array, options: TransferOptions) {
    const { signal, onProgress } = options;
    const client = this.container.getBlockBlobClient(key);
    return azureCall(this.#ctx(`upload ${key}`, true), async () => {
      if (size > this.#singleShot) {
        const result = await uploadFileInBlocks(client, file, size, {
          blockSize: this.#blockSize,
          concurrency: this.#blockConcurrency,
          callTimeoutMs: this.#timeoutMs + Math.ceil(this.#blockSize / MiB) * 1000,
          md5,
          signal,
          onBlock: onProgress,
        });
        return { staged: result.staged, reused: result.reused };
      }
      const timeout = this.#signal(size);
      await client.uploadData(await readFile(file), {
        maxSingleShotSize: Math.max(this.#singleShot, 1),
        blobHTTPHeaders: { blobContentMD5: md5 },
        abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      onProgress?.(size);
      return { staged: 1, reused: 0 };
    });
  }

  /** Downloads every blob below `prefix`; local files whose size and MD5 match are skipped. */
  async syncDown(prefix: string, localDir: string, options: TransferOptions = {}): Promise<SyncStats> {
    const folder = folderPrefix(prefix);
    const items: { name: string; size: number; md5?: Uint8Array }[] = [];
    for await (const item of this.#listItems(folder)) items.push(item);
    const stats = emptyStats();
    await mapLimit(
      items,
      this.#concurrency,
      async (item) => {
        const target = path.join(localDir, ...checkKey(item.name).slice(folder.length).split('/'));
        if (item.md5 && (await sizeOf(target)) === item.size) {
          if ((await md5OfFile(target)).equals(Buffer.from(item.md5))) {
            stats.skipped++;
            return;
          }
        }
        await this.#downloadFile(item, target, options.signal);
        options.onProgress?.(item.size);
        stats.transferred++;
        stats.bytes += item.size;
      },
      { abortSignal: options.signal },
    );
    return stats;
  }

  async #downloadFile(
    item: { name: string; size: number; md5?: Uint8Array },
    target: string,
    signal?: AbortSignal,
  ) {
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      await azureCall(this.#ctx(`download ${item.name}`, false), async () => {
        const timeout = this.#signal(item.size);
        await this.container.getBlobClient(item.name).downloadToFile(tmp, 0, undefined, {
          abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          maxRetryRequests: 3,
        });
      });
      if (item.md5 && !(await md5OfFile(tmp)).equals(Buffer.from(item.md5))) {
        throw new Error(`download of ${item.name} from ${this.location} does not match its Content-MD5`);
      }
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}

function isContainerMissing(error: unknown): boolean {
  const e = error as { details?: { errorCode?: string }; code?: string };
  return e.details?.errorCode === 'ContainerNotFound' || e.code === 'ContainerNotFound';
}
