import path from 'node:path';
import { z } from 'zod';
import { type ArtifactStore, localArtifactStore } from '../artifacts/store.ts';
import { ContractError, readJsonFile } from '../contracts/json-file.ts';
import { type RunManifestFile, runManifestSchema } from '../contracts/run-manifest.ts';
import { EXIT } from '../core/errors.ts';
import { CANDIDATES } from '../core/vocabulary.ts';
import type { RunManifest } from '../engine/manifest.ts';
import type { ModelArtifact } from '../models/artifact.ts';

/** The run folder cannot be evaluated: a missing or malformed manifest or artifact. Nothing was promoted. */
export class PromotionInputError extends Error {
  override readonly name = 'PromotionInputError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
}

// Only what promotion reads is checked; other fields pass through untouched (the engine may add more).
const kind = z.enum(CANDIDATES);
const numbers = z.array(z.number());
const modelState = z.looseObject({
  kind,
  version: z.number().int(),
  params: z.record(z.string(), z.unknown()),
});

const artifactSchema = z.looseObject({
  schemaVersion: z.literal(1),
  name: z.string().min(1),
  partition: z.record(z.string(), z.string()),
  chosen: kind,
  baseline: kind,
  model: modelState,
  baselineModel: modelState,
  window: z.looseObject({ observations: z.number().int().min(0) }),
  holdout: z.looseObject({
    // A missing week in the holdout (a filled gap) is NaN in memory and null in JSON; the metrics skip it.
    actual: z.array(z.number().nullable()).transform((values) => values.map((v) => v ?? Number.NaN)),
    scale: z.number().optional(),
    candidates: z.partialRecord(
      kind,
      // A metric JSON wrote as null was Infinity (a zero denominator).
      z.looseObject({ forecast: numbers, metrics: z.record(z.string(), z.number().nullable()) }),
    ),
  }),
  lineage: z.looseObject({ runId: z.string(), codeVersion: z.string(), dataFingerprint: z.string() }),
});

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export function manifestPath(runDir: string): string {
  return path.join(runDir, 'manifest.json');
}

/** The run manifest through its contract (`src/contracts/run-manifest.ts`); each partition must appear once. */
export async function readManifest(runDir: string): Promise<RunManifest> {
  const file = manifestPath(runDir);
  let manifest: RunManifestFile;
  try {
    manifest = await readJsonFile(file, runManifestSchema, 'run manifest');
  } catch (error) {
    if (error instanceof ContractError) throw new PromotionInputError(error.message);
    throw error;
  }
  const seen = new Set<string>();
  for (const record of manifest.partitions) {
    if (seen.has(record.name)) {
      throw new PromotionInputError(`run manifest ${file} lists partition ${record.name} twice`);
    }
    seen.add(record.name);
  }
  // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
  return manifest as RunManifest;
}

/** Reads one partition's artifact (a pack reference, or a file for older runs); it must carry the manifest's name. */
export async function readRunArtifact(
  runDir: string | ArtifactStore,
  ref: string,
  name: string,
): Promise<ModelArtifact> {
  const store = typeof runDir === 'string' ? localArtifactStore(runDir) : runDir;
  let text: string;
  let where: string;
  try {
    where = store.locate(ref);
    text = await store.read(ref);
  } catch (error) {
    throw new PromotionInputError(`artifact of ${name} — ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PromotionInputError(
      `artifact of ${name} ${where} is not valid JSON (${(error as Error).message})`,
    );
  }
  const parsed = artifactSchema.safeParse(json);
  if (!parsed.success)
    throw new PromotionInputError(`artifact ${where} is malformed: ${issues(parsed.error)}`);
  if (parsed.data.name !== name) {
    throw new PromotionInputError(
      `artifact ${where} is named '${parsed.data.name}' but the manifest says '${name}'`,
    );
  }
  return parsed.data as unknown as ModelArtifact;
}
