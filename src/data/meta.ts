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

/** The dataset settings a prepared lake was made with; every stage that reads the lake compares them. */
export interface DatasetShape {
  path: string;
  partitionBy: readonly string[];
  time: string;
  target: string;
  features: readonly string[];
  frequency: string;
}

/**
 * Refuses a prepared lake that another dataset (or another version of this config) wrote: training or scoring
 * it with this config would mix two datasets silently. Each differing setting is named with both values.
 */
export function assertMetaMatches(meta: PreparedMeta, dataset: DatasetShape, preparedDir: string): void {
  const differences: string[] = [];
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  const show = (v: readonly string[]) => `[${v.join(', ')}]`;
  if (!same(meta.partitionBy, dataset.partitionBy))
    differences.push(
      `dataset.partitionBy: the lake has ${show(meta.partitionBy)}, the config ${show(dataset.partitionBy)}`,
    );
  if (meta.time !== dataset.time)
    differences.push(`dataset.time: the lake has '${meta.time}', the config '${dataset.time}'`);
  if (meta.target !== dataset.target)
    differences.push(`dataset.target: the lake has '${meta.target}', the config '${dataset.target}'`);
  if (!same(meta.features, dataset.features))
    differences.push(
      `dataset.features: the lake has ${show(meta.features)}, the config ${show(dataset.features)}`,
    );
  if (meta.frequency !== dataset.frequency)
    differences.push(
      `dataset.frequency: the lake has '${meta.frequency}', the config '${dataset.frequency}'`,
    );
  // The folder differs between a pipeline agent and a cluster node; the file name does not.
  if (path.basename(meta.source) !== path.basename(dataset.path))
    differences.push(
      `dataset.path: the lake was prepared from '${meta.source}', the config reads '${dataset.path}'`,
    );
  if (differences.length > 0) {
    throw new ValidationError(
      `the prepared lake in ${preparedDir} was prepared from another dataset than this config describes; ` +
        "run 'mm prepare' with this config, or give each dataset its own storage.root",
      differences,
    );
  }
}
