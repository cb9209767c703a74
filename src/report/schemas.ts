import type { z } from 'zod';
import type { modelArtifactSchema } from '../contracts/artifact.ts';
import { ContractError, parseJsonText, readJsonFile } from '../contracts/json-file.ts';
import type { runManifestSchema } from '../contracts/run-manifest.ts';
import { EXIT } from '../core/errors.ts';

/**
 * The files the report reads, each through its one contract in `src/contracts/` (run manifest, artifact,
 * decisions); a broken file becomes a ReportInputError naming the file and the field.
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

export { modelArtifactSchema as artifactSchema } from '../contracts/artifact.ts';
export type ArtifactInput = z.infer<typeof modelArtifactSchema>;

export type {
  DecisionRecord as DecisionInput,
  DecisionsFile as DecisionsInput,
} from '../contracts/decisions.ts';
export { decisionsFileSchema as decisionsSchema } from '../contracts/decisions.ts';

/** The report's own error for a saved file that breaks its contract: same file, same problems. */
export function asReportInput(error: unknown): unknown {
  return error instanceof ContractError ? new ReportInputError(error.file, error.problems) : error;
}

/** Parses JSON text against a schema; every failure names the file and the offending key. */
export function parseJsonFile<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  try {
    return parseJsonText(file, text, schema, 'report input');
  } catch (error) {
    throw asReportInput(error);
  }
}

/** Reads a saved JSON file through its contract (`readJsonFile`), as report input. */
export async function readJsonInput<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  try {
    return await readJsonFile(file, schema, 'report input');
  } catch (error) {
    throw asReportInput(error);
  }
}
