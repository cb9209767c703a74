import { shardOf } from '../engine/shard.ts';

/**
 * Partitions go to hash buckets by model name, never to folders named after raw key values (keys may hold
 * '/', '..', unicode or a kilobyte of text). The hash is the one shards use, so when the shard count divides
 * the bucket count a shard's partitions all sit in its own buckets and a node reads only those files.
 */
export function bucketOf(name: string, bucketCount: number): number {
  return shardOf(name, bucketCount);
}

/** Rows per bucket file we aim for: big enough for Parquet to compress well, small enough to read at once. */
export const TARGET_ROWS_PER_BUCKET = 500_000;
export const MAX_BUCKETS = 512;

/** A power of two, so bucket counts of different datasets divide one another (and common shard counts). */
export function bucketCountFor(rows: number): number {
  let count = 1;
  while (count < MAX_BUCKETS && rows / count > TARGET_ROWS_PER_BUCKET) count *= 2;
  return count;
}

/** `bucket=007`: the folder of one bucket below the prepared root. */
export function bucketDir(bucket: number): string {
  return `bucket=${String(bucket).padStart(3, '0')}`;
}

export const BUCKET_FILE = 'part.parquet';
export const CATALOG_FILE = 'catalog.parquet';
export const META_FILE = 'meta.json';
export const REPORT_FILE = 'validation.json';
