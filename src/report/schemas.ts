import { z } from 'zod';
import { describeZodIssues } from '../config/errors.ts';
import {
  candidateKind,
  maybeNumber,
  metricValues,
  perCandidate,
  type runManifestSchema,
} from '../contracts/run-manifest.ts';
import { EXIT } from '../core/errors.ts';
import { FREQUENCIES } from '../core/vocabulary.ts';
import { intervalsSchema } from '../models/intervals.ts';

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

export { runManifestSchema as manifestSchema } from '../contracts/run-manifest.ts';

export type ManifestInput = z.infer<typeof runManifestSchema>;
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
  intervals: intervalsSchema.optional(),
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
