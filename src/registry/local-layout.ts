import path from 'node:path';
import { isModelName } from '../core/model-name.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import { type ModelVersion, RegistryError } from './types.ts';

/**
 * On-disk layout of a local registry (one folder per stage):
 *
 *   models/<name>/v<N>.json    one document per version: its metadata and the artifact, written once
 *   models/<name>/latest.json  the pointer to the latest version (its metadata, tags included): the index
 *   .lock                      held by the writer (proper-lockfile), so versions are allocated one at a time
 *
 * The pointer is written only after its version file is durable, so a reader following it never finds a
 * missing file; a version file newer than the pointer is the leftover of a killed writer and is never served.
 */
export const FORMAT_VERSION = 1;

export interface VersionDocument {
  schemaVersion: typeof FORMAT_VERSION;
  version: ModelVersion;
  artifact: ModelArtifact;
}

export interface PointerDocument {
  schemaVersion: typeof FORMAT_VERSION;
  version: ModelVersion;
}

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
