import path from 'node:path';
import { type ArtifactStore, localArtifactStore } from '../artifacts/store.ts';
import { type ModelArtifactFile, modelArtifactSchema } from '../contracts/artifact.ts';
import { ContractError, parseJsonText, readJsonFile } from '../contracts/json-file.ts';
import { type RunManifestFile, runManifestSchema } from '../contracts/run-manifest.ts';
import { EXIT } from '../core/errors.ts';
import type { RunManifest } from '../engine/manifest.ts';
import { openManifest, type StreamedManifest } from '../engine/manifest-stream.ts';
import type { ModelArtifact } from '../models/artifact.ts';

/** The run folder cannot be evaluated: a missing or malformed manifest or artifact. Nothing was promoted. */
export class PromotionInputError extends Error {
  override readonly name = 'PromotionInputError';
  /** Bad input: exit code 2. */
  readonly exitCode = EXIT.badInput;
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

/** The run manifest opened for streaming (`openManifest`); a missing or malformed header is bad input. */
export async function openRunManifest(runDir: string): Promise<StreamedManifest> {
  try {
    return await openManifest(manifestPath(runDir));
  } catch (error) {
    if (error instanceof ContractError) throw new PromotionInputError(error.message);
    throw error;
  }
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
  let artifact: ModelArtifactFile;
  try {
    artifact = parseJsonText(where, text, modelArtifactSchema, 'artifact');
  } catch (error) {
    if (error instanceof ContractError) throw new PromotionInputError(error.message);
    throw error;
  }
  if (artifact.name !== name) {
    throw new PromotionInputError(
      `artifact ${where} is named '${artifact.name}' but the manifest says '${name}'`,
    );
  }
  // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
  return artifact as ModelArtifact;
}
