// What an AzureBlobStore is given and reports: its options, sync statistics and per-transfer options.
import type { TokenCredential } from '@azure/identity';
import type { AnonymousCredential, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { SyncStats } from './sync.ts';

export interface AzureBlobStoreOptions {
  /** Blob endpoint of the account, e.g. https://mmdevlake.blob.core.windows.net (ADLS Gen2 serves the Blob API). */
  accountUrl: string;
  container: string;
  /** Production: a TokenCredential (see `azureCredential()`). The shared key is for the Azurite emulator only. */
  credential: TokenCredential | StorageSharedKeyCredential | AnonymousCredential;
  /** Files in flight during a folder sync. */
  concurrency?: number;
  /** Bytes per staged block for files above `singleShotLimit`. */
  blockSize?: number;
  /** Files up to this size go up in one Put Blob call. */
  singleShotLimit?: number;
  /** Blocks in flight per file. */
  blockConcurrency?: number;
  /** Bound for one call (one block, one small blob, one listing page). */
  callTimeoutMs?: number;
  /** Tries per HTTP request on 500/503 and network errors, with exponential back-off. */
  maxTries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface AzureSyncStats extends SyncStats {
  /** Blocks an interrupted earlier upload had staged and this run did not send again. */
  reusedBlocks: number;
}

export interface TransferOptions {
  signal?: AbortSignal;
  /** Bytes moved so far, reported per block or per small file (progress bars, tests that interrupt). */
  onProgress?: (bytes: number) => void;
}

/** The account name for messages: the host's first label, or the path's first segment on Azurite. */
export function accountNameOf(accountUrl: string): string {
  const url = new URL(accountUrl);
  const host = url.hostname;
  if (/^(\d+\.){3}\d+$/.test(host) || host === 'localhost') {
    return url.pathname.split('/').find((s) => s !== '') ?? host;
  }
  return host.split('.')[0] ?? host;
}
