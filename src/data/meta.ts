import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FREQUENCIES } from '../core/vocabulary.ts';
import { META_FILE } from './buckets.ts';
import { ValidationError } from './errors.ts';

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

/** `prepared/meta.json`: what the prepared lake holds and where it came from. */
export type PreparedMeta = z.infer<typeof preparedMetaSchema>;

export async function readMeta(preparedDir: string): Promise<PreparedMeta> {
  const file = path.join(preparedDir, META_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ValidationError(`no prepared data in ${preparedDir}`, [
      `${file} not found; run 'mm prepare' first`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`cannot read ${file}`, [`not JSON: ${(error as Error).message}`]);
  }
  const parsed = preparedMetaSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      `cannot read ${file}`,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}
