import { z } from 'zod';
import { describeZodIssues } from '../config/errors.ts';
import { EXIT } from '../core/errors.ts';
import { CANDIDATES, FREQUENCIES, METRICS } from '../core/vocabulary.ts';

/**
 * Runtime shapes of the files the report reads. They mirror the TypeScript contracts (`RunManifest`,
 * `ModelArtifact`, `DecisionsFile`) but only the fields the report uses, and they accept `null` wherever
 * JSON.stringify turns a non-finite number into null (a WAPE of +Infinity on an all-zero holdout).
 */

/** A problem with the report's input files: names the file and what is wrong with it. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
  readonly file: string;

  constructor(file: string, problems: readonly string[]) {
    super(`cannot build the report from ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.file = file;
  }
}

const maybeNumber = z.number().nullable();
const candidateKind = z.enum(CANDIDATES);
// Objects with optional keys rather than partial records: zod compiles object shapes, which matters at
// 100,000 manifest lines (records validate about 2.5x slower).
const metricValues = z.object(
  Object.fromEntries(METRICS.map((m) => [m, maybeNumber.optional()])),
) as z.ZodType<Partial<Record<(typeof METRICS)[number], number | null>>>;
const perCandidate = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(CANDIDATES.map((k) => [k, value.optional()]))) as unknown as z.ZodType<
    Partial<Record<(typeof CANDIDATES)[number], z.infer<T>>>
  >;

export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  codeVersion: z.string(),
  dataFingerprint: z.string(),
  partitionBy: z.array(z.string()).min(1),
  shard: z.object({ index: z.number(), count: z.number() }).nullable(),
  partitions: z.array(
    z.object({
      name: z.string(),
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
    }),
  ),
});
export type ManifestInput = z.infer<typeof manifestSchema>;
export type PartitionInput = ManifestInput['partitions'][number];

const values = z.array(maybeNumber);

export const artifactSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  partition: z.record(z.string(), z.string()),
  chosen: candidateKind,
  baseline: candidateKind,
  frequency: z.enum(FREQUENCIES),
  window: z.object({ start: z.string(), end: z.string(), observations: z.number() }),
  holdout: z.object({
    start: z.string(),
    end: z.string(),
    actual: values,
    candidates: perCandidate(z.object({ forecast: values, metrics: metricValues })),
  }),
});
export type ArtifactInput = z.infer<typeof artifactSchema>;

export const decisionsSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string(),
  rulesVersion: z.string(),
  dryRun: z.boolean(),
  decidedAt: z.string(),
  decisions: z.array(
    z.object({
      name: z.string(),
      key: z.array(z.string()),
      outcome: z.enum(['promote', 'keep-champion', 'promote-fallback', 'not-trained']),
      reasons: z.array(z.string()),
      checks: z.array(z.object({ rule: z.string(), passed: z.boolean(), detail: z.string() })),
      metricName: z.string(),
      metrics: z.object({ candidate: maybeNumber, baseline: maybeNumber, champion: maybeNumber }),
      candidateKind: candidateKind.nullable(),
      championKind: candidateKind.nullable(),
      prodVersion: z.number().nullable(),
    }),
  ),
});
export type DecisionsInput = z.infer<typeof decisionsSchema>;
export type DecisionInput = DecisionsInput['decisions'][number];

/** Parses JSON text against a schema; every failure names the file and the offending key. */
export function parseJsonFile<T>(file: string, text: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ReportInputError(file, describeZodIssues(result.error));
  return result.data;
}
