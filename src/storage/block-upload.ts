import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { BlockBlobClient } from '@azure/storage-blob';
import { isNotFound } from '../azure/errors.ts';
import { mapLimit } from '../util/map-limit.ts';

export interface BlockUploadOptions {
  blockSize: number;
  /** Blocks in flight for this file. */
  concurrency: number;
  /** Bound for each single call (stage one block, list blocks, commit). */
  callTimeoutMs: number;
  /** MD5 of the whole file, stored as the blob's Content-MD5 so later syncs can compare without a download. */
  md5: Uint8Array;
  signal?: AbortSignal;
  /** Called after each block is staged (or found staged), with its byte count. */
  onBlock?: (bytes: number) => void;
}

export interface BlockUploadResult {
  blocks: number;
  /** Blocks sent in this call. */
  staged: number;
  /** Blocks an interrupted earlier upload had staged already, found by id and not sent again. */
  reused: number;
}

/**
 * A block's id names its position and its content (index + SHA-256 prefix), so an interrupted upload resumes
 * by asking Azure which blocks it already holds uncommitted: a block whose id is there has the same bytes at
 * the same position and is not sent again. Every id of a blob must have the same length, hence the padding.
 */
export function blockId(index: number, chunk: Uint8Array): string {
  const digest = createHash('sha256').update(chunk).digest('hex').slice(0, 32);
  return Buffer.from(`${String(index).padStart(6, '0')}-${digest}`).toString('base64');
}

async function uncommittedBlocks(client: BlockBlobClient, timeoutMs: number): Promise<Map<string, number>> {
  try {
    const list = await client.getBlockList('uncommitted', { abortSignal: AbortSignal.timeout(timeoutMs) });
    return new Map((list.uncommittedBlocks ?? []).map((b) => [b.name, b.size]));
  } catch (error) {
    if (isNotFound(error)) return new Map();
    throw error;
  }
}

/**
 * Uploads a file as a block blob: stage the blocks that Azure does not hold yet, then commit the list. The
 * blob changes only at the commit, atomically; until then readers see the previous version (or nothing).
 */
export async function uploadFileInBlocks(
  client: BlockBlobClient,
  file: string,
  size: number,
  options: BlockUploadOptions,
): Promise<BlockUploadResult> {
  const count = Math.max(1, Math.ceil(size / options.blockSize));
  const already = await uncommittedBlocks(client, options.callTimeoutMs);
  const ids = new Array<string>(count);
  let staged = 0;
  let reused = 0;
  const handle = await open(file, 'r');
  try {
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      options.concurrency,
      async (index) => {
        options.signal?.throwIfAborted();
        const offset = index * options.blockSize;
        const length = Math.min(options.blockSize, size - offset);
        const chunk = Buffer.alloc(length);
        const { bytesRead } = await handle.read(chunk, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${file} changed size while it was being uploaded`);
        const id = blockId(index, chunk);
        ids[index] = id;
        if (already.get(id) === length) {
          reused++;
        } else {
          const timeout = AbortSignal.timeout(options.callTimeoutMs);
          const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
          await client.stageBlock(id, chunk, length, { abortSignal: signal });
          staged++;
        }
        options.onBlock?.(length);
      },
      { abortSignal: options.signal },
    );
  } finally {
    await handle.close();
  }
  options.signal?.throwIfAborted();
  await client.commitBlockList(ids, {
    blobHTTPHeaders: { blobContentMD5: options.md5 },
    abortSignal: AbortSignal.timeout(options.callTimeoutMs),
  });
  return { blocks: count, staged, reused };
}
