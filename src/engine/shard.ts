import { createHash } from 'node:crypto';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/**
 * Deterministic shard of a partition: a hash of its model name modulo the shard count, so N machines split a
 * run into disjoint sets whose union is every partition, without coordinating.
 */
export function shardOf(modelName: string, count: number): number {
  if (count <= 1) return 0;
  return createHash('sha256').update(modelName).digest().readUInt32BE(0) % count;
}

export function inShard(modelName: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(modelName, shard.count) === shard.index;
}
