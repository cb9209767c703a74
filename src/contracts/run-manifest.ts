import { z } from 'zod';
import { CANDIDATES, METRICS } from '../core/vocabulary.ts';

/**
 * The run manifest (`runs/<id>/manifest.json`): one record per partition, sorted by name. Every backend writes it,
 * and promotion, merges and the report read it through this one schema; a journal line (`journal.jsonl`) is one
 * partition record. Metrics accept `null` where JSON.stringify turned a non-finite number (a WAPE of +Infinity on
 * an all-zero holdout) into null.
 */

export const maybeNumber = z.number().nullable();
export const candidateKind = z.enum(CANDIDATES);
// Objects with optional keys rather than partial records: zod compiles object shapes, which matters at
// 100,000 manifest lines (records validate about 2.5x slower).
export const metricValues = z.object(
  Object.fromEntries(METRICS.map((m) => [m, maybeNumber.optional()])),
) as z.ZodType<Partial<Record<(typeof METRICS)[number], number | null>>>;
export const perCandidate = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(CANDIDATES.map((k) => [k, value.optional()]))) as unknown as z.ZodType<
    Partial<Record<(typeof CANDIDATES)[number], z.infer<T>>>
  >;

/** One partition's outcome in a run: a manifest record and a journal line alike. */
export const partitionRecordSchema = z.object({
  name: z.string().min(1),
  key: z.array(z.string()),
  status: z.enum(['ok', 'failed', 'skipped']),
  chosen: candidateKind.optional(),
  baseline: candidateKind.optional(),
  metrics: perCandidate(metricValues).optional(),
  artifact: z.string().optional(),
  error: z.object({ class: z.string(), message: z.string() }).optional(),
  reason: z.string().optional(),
  observations: z.number(),
  durationMs: z.number(),
});

export const runManifestSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  codeVersion: z.string(),
  dataFingerprint: z.string(),
  partitionBy: z.array(z.string()).min(1),
  shard: z.object({ index: z.number(), count: z.number() }).nullable(),
  totals: z.object({ ok: z.number(), failed: z.number(), skipped: z.number() }).optional(),
  partitions: z.array(partitionRecordSchema),
});

export type RunManifestFile = z.infer<typeof runManifestSchema>;
