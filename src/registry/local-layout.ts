import path from 'node:path';
import { PACK_FOLDER } from '../artifacts/pack.ts';
import { isModelName } from '../core/model-name.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import { type ModelVersion, RegistryError } from './types.ts';

/**
 * On-disk layout of a local registry (one folder per stage):
 *
 *   packs/<id>.jsonl           the versions one registration wrote, one JSON line each (`PackRecord`): its
 *                              metadata, the reference of the model's previous version, and the artifact
 *   models/<name>/latest.json  the pointer to the latest version (`PointerDocument`: its metadata, tags included,
 *                              and where its record is: pack, byte offset and length, SHA-256): the index
 *   models/<name>/v<N>.json    format 1 (registries written before packs): one document per version, still read
 *   .lock                      held by the writer (proper-lockfile), so versions are allocated one at a time
 *
 * A pointer is written only after its pack is durable, so a reader following it never finds a missing record; a
 * pack no pointer names is the leftover of a killed writer and is never served. Older versions are found by
 * following each record's `previous` reference, and past the first format-2 version, in the format-1 files.
 */
export const FORMAT_VERSION = 2;
/** The one-document-per-version layout, read and never written. */
export const LEGACY_FORMAT_VERSION = 1;

/** Where a version's record is: a pack of this registry, its byte range, and the SHA-256 of those bytes. */
export interface PackRef {
  pack: string;
  offset: number;
  length: number;
  sha256: string;
}

/** One line of a registry pack. */
export interface PackRecord {
  schemaVersion: typeof FORMAT_VERSION;
  version: ModelVersion;
  /** The model's version before this one, when that one is in a pack too. */
  previous: PackRef | null;
  artifact: ModelArtifact;
}

/** Format 1's version file. */
export interface VersionDocument {
  schemaVersion: typeof LEGACY_FORMAT_VERSION;
  version: ModelVersion;
  artifact: ModelArtifact;
}

export type PointerDocument =
  | { schemaVersion: typeof LEGACY_FORMAT_VERSION; version: ModelVersion }
  | { schemaVersion: typeof FORMAT_VERSION; version: ModelVersion; ref: PackRef };

/** A pack name this registry writes: nothing else may be followed, so a pointer can never leave the folder. */
export const PACK_NAME = new RegExp(`^${PACK_FOLDER}/[0-9a-f]{16}\\.jsonl$`);

export function localLayout(root: string) {
  const models = path.join(root, 'models');
  const modelDir = (name: string) => {
    assertModelName(name);
    const dir = path.join(models, name);
    // Belt and braces: names are [a-z0-9-] only, but nothing may ever resolve outside the registry.
    if (path.dirname(dir) !== models) throw new RegistryError(`model name '${name}' escapes the registry`);
    return dir;
  };
  return {
    root,
    models,
    lockTarget: root,
    lockfile: path.join(root, '.lock'),
    modelDir,
    pointer: (name: string) => path.join(modelDir(name), 'latest.json'),
    version: (name: string, version: number) => path.join(modelDir(name), `v${version}.json`),
    pack: (ref: PackRef) => {
      if (!PACK_NAME.test(ref.pack)) throw new RegistryError(`'${ref.pack}' is not a pack of this registry`);
      return path.join(root, ref.pack);
    },
  };
}

export type LocalLayout = ReturnType<typeof localLayout>;

export function assertModelName(name: string): void {
  if (typeof name !== 'string' || !isModelName(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : String(name);
    throw new RegistryError(
      `${shown} is not a model name (expected mm-<slug>-<12 hex>, see src/registry/naming.ts)`,
    );
  }
}
