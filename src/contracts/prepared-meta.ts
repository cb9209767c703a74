import { z } from 'zod';
import { FREQUENCIES } from '../core/vocabulary.ts';

/**
 * `prepared/meta.json`: what the prepared lake holds and where it came from. Prepare writes it; train, score, the
 * engine host, the AML parallel submitter and the report read it back.
 */
export const preparedMetaSchema = z.object({
  schemaVersion: z.literal(1),
  partitionBy: z.array(z.string()).min(1),
  time: z.string(),
  target: z.string(),
  features: z.array(z.string()),
  frequency: z.enum(FREQUENCIES),
  /** Number of hash buckets; a partition's bucket is `bucketOf(name, buckets)`. */
  buckets: z.number().int().positive(),
  /** Hash of the prepared rows (every key, date, target and feature value) and of the column roles. */
  dataFingerprint: z.string(),
  source: z.string(),
  createdAt: z.string(),
  partitions: z.object({ total: z.number(), ok: z.number(), excluded: z.number() }),
  rows: z.object({ input: z.number(), prepared: z.number(), filled: z.number() }),
});

export type PreparedMeta = z.infer<typeof preparedMetaSchema>;

/**
 * The part of the meta a reader that only draws or fans out needs (column names, bucket count): each field
 * optional, so such a reader can fall back to the config where an older or partial file lacks one.
 */
export const preparedMetaHintsSchema = preparedMetaSchema
  .pick({ partitionBy: true, time: true, target: true, buckets: true })
  .partial();

export type PreparedMetaHints = z.infer<typeof preparedMetaHintsSchema>;
