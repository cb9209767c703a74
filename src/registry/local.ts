import { readFileSync } from 'node:fs';
import { opendir, readFile } from 'node:fs/promises';
import { writePlannedPack } from '../artifacts/pack.ts';
import { describeZodIssues } from '../config/errors.ts';
import { modelArtifactSchema } from '../contracts/artifact.ts';
import { isModelName } from '../core/model-name.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import { lakeLayout } from '../storage/layout.ts';
import { writeFilesAtomic } from '../util/atomic-batch.ts';
import { mapLimit } from '../util/map-limit.ts';
import {
  assertModelName,
  FORMAT_VERSION,
  LEGACY_FORMAT_VERSION,
  type LocalLayout,
  localLayout,
  type PackRef,
  type PointerDocument,
  type VersionDocument,
} from './local-layout.ts';
import { type LockOptions, withRegistryLock } from './local-lock.ts';
import { checkPackRef, type PlannedVersion, packVersions, readPackRecord } from './local-pack.ts';
import { alreadyRegistered, indexesByName, validateRequests } from './requests.ts';
import {
  latestMoved,
  type ModelRegistry,
  type ModelVersion,
  type RegisterOptions,
  type RegisterRequest,
  RegistryError,
  type Stage,
} from './types.ts';

export interface LocalRegistryOptions {
  /** Storage root; the registry lives in `lakeLayout(root).registry(stage)`. */
  root: string;
  stage: Stage;
  /** The registry folder itself, instead of the one below `root` (a prod registry copied to a compute node). */
  location?: string;
  /** Files written or read at once during bulk work. */
  concurrency?: number;
  lock?: LockOptions;
  /**
   * fsync every file before it becomes visible (default true). A killed process never leaves a torn model
   * either way; fsync also survives power loss, at roughly twice the bulk write time (see bench/registry.ts).
   */
  durable?: boolean;
  /**
   * Read pointers and pack records with blocking calls (default false). For a batch worker thread that loads one
   * model after another (scoring): each async read is a round trip through libuv's thread pool (futex wake-ups,
   * promises), which cost more CPU than the read of a few kilobytes itself. Never for a server's event loop.
   */
  blockingReads?: boolean;
}

/** Pointers committed per filesystem sync: few syncs, and a killed writer still leaves its first batches done. */
const POINTER_BATCH = 256;

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function readJson<T>(file: string, blocking = false): Promise<T | undefined> {
  let text: string;
  try {
    text = blocking ? readFileSync(file, 'utf8') : await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new RegistryError(`${file} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The model registry as a folder: one per stage (dev, prod) below the storage root. Writers hold a
 * cross-process lock so two promoters never allocate the same version; readers take no lock and follow the
 * per-model `latest.json` pointer into the registry's packs (see local-layout.ts). One registration writes its
 * versions into a few packs and one pointer per model, instead of a document per version.
 */
export class LocalModelRegistry implements ModelRegistry {
  readonly stage: Stage;
  readonly location: string;
  readonly #layout: LocalLayout;
  readonly #concurrency: number;
  readonly #lock: LockOptions;
  readonly #durable: boolean;
  readonly #blockingReads: boolean;

  constructor(options: LocalRegistryOptions) {
    this.stage = options.stage;
    this.location = options.location ?? lakeLayout(options.root).registry(options.stage);
    this.#layout = localLayout(this.location);
    this.#concurrency = options.concurrency ?? 32;
    this.#lock = options.lock ?? {};
    this.#durable = options.durable ?? true;
    this.#blockingReads = options.blockingReads ?? false;
  }

  async registerMany(
    requests: readonly RegisterRequest[],
    options: RegisterOptions = {},
  ): Promise<ModelVersion[]> {
    // Everything is checked before the first write, so bad input registers nothing.
    validateRequests(requests);
    options.signal?.throwIfAborted();
    if (requests.length === 0) return [];
    const byName = indexesByName(requests);
    const registeredAt = new Date().toISOString();
    const results = new Array<ModelVersion>(requests.length);
    await withRegistryLock(this.#layout.lockTarget, this.#layout.lockfile, this.#lock, async (lock) => {
      // Decide every version under the lock, then write the packs (durable) and only then the pointers: a
      // writer killed at any instant leaves each model at its old or its new version.
      const planned: PlannedVersion[] = [];
      const lastOf = new Map<string, number>();
      await mapLimit([...byName], this.#concurrency, async ([name, indexes]) => {
        const pointer = await this.#pointerDocument(name);
        let current = pointer?.version;
        let previous: PackRef | number | null = pointer && 'ref' in pointer ? pointer.ref : null;
        for (const index of indexes) {
          const request = requests[index]!;
          if (current && alreadyRegistered(current, request, options)) {
            results[index] = current;
            continue;
          }
          if (latestMoved(request, current)) {
            // Decided against another version than prod now holds: the caller re-decides (under this lock,
            // nothing can move between this check and the commit).
            if (!current)
              throw new RegistryError(`${name}: expected version ${request.expectedLatest}, found none`);
            results[index] = current;
            continue;
          }
          const artifactJson = JSON.stringify(request.artifact);
          current = {
            name,
            version: (current?.version ?? 0) + 1,
            tags: { ...request.tags },
            registeredAt,
            size: Buffer.byteLength(artifactJson),
          };
          previous = planned.push({ meta: current, previous, artifactJson }) - 1;
          lastOf.set(name, previous);
          results[index] = current;
        }
      });
      if (planned.length === 0) return;
      options.signal?.throwIfAborted();
      const { packs, refs } = packVersions(planned);
      for (const pack of packs) {
        lock.assertHeld();
        await writePlannedPack(this.#layout.root, pack, { durable: this.#durable });
      }
      // Pointers a batch at a time: written, made durable together (one filesystem sync, not an fsync each), then
      // renamed into place; each model still moves from its old version to its new one atomically.
      const pointers = [...lastOf].map(([name, index]) => {
        const pointer: PointerDocument = {
          schemaVersion: FORMAT_VERSION,
          version: planned[index]!.meta,
          ref: refs[index]!,
        };
        return { file: this.#layout.pointer(name), data: `${JSON.stringify(pointer)}\n` };
      });
      for (let start = 0; start < pointers.length; start += POINTER_BATCH) {
        lock.assertHeld();
        writeFilesAtomic(pointers.slice(start, start + POINTER_BATCH), {
          durable: this.#durable,
          beforeCommit: () => lock.assertHeld(),
        });
      }
    });
    return results;
  }

  async latest(name: string): Promise<ModelVersion | undefined> {
    return (await this.#pointerDocument(name))?.version;
  }

  async load(
    name: string,
    version?: number,
  ): Promise<{ version: ModelVersion; artifact: ModelArtifact } | undefined> {
    const pointer = await this.#pointerDocument(name);
    if (!pointer) return undefined;
    const latest = pointer.version;
    const wanted = version ?? latest.version;
    // Versions above the pointer were never committed (a writer died before the pointer).
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > latest.version) return undefined;
    let ref = 'ref' in pointer ? pointer.ref : null;
    let from = this.#layout.pointer(name);
    while (ref) {
      const record = await readPackRecord(this.#layout, name, ref, from, this.#blockingReads);
      const at = record.version.version;
      if (at === wanted)
        return { version: record.version, artifact: checkArtifact(record.artifact, name, from) };
      if (at < wanted) return undefined;
      from = `${this.#layout.pack(ref)} (version ${at})`;
      ref = record.previous === null ? null : checkPackRef(record.previous, from);
    }
    return this.#loadLegacy(name, wanted, pointer);
  }

  /** A version written before packs: its own document `v<N>.json` (format 1). */
  async #loadLegacy(
    name: string,
    wanted: number,
    pointer: PointerDocument,
  ): Promise<{ version: ModelVersion; artifact: ModelArtifact } | undefined> {
    const file = this.#layout.version(name, wanted);
    const doc = await readJson<VersionDocument>(file);
    if (!doc) {
      if (wanted === pointer.version.version) {
        throw new RegistryError(
          `${this.#layout.pointer(name)} points to version ${wanted} but ${file} is missing`,
        );
      }
      return undefined;
    }
    checkDocument(doc, file, name, [LEGACY_FORMAT_VERSION]);
    return { version: doc.version, artifact: checkArtifact(doc.artifact, name, file) };
  }

  async *list(): AsyncIterable<ModelVersion> {
    const names: string[] = [];
    try {
      for await (const entry of await opendir(this.#layout.models)) {
        if (entry.isDirectory() && isModelName(entry.name)) names.push(entry.name);
      }
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    names.sort();
    // Read ahead in small batches so a 10,000-model listing streams without a read per await.
    const batch = this.#concurrency;
    for (let i = 0; i < names.length; i += batch) {
      const pointers = await mapLimit(names.slice(i, i + batch), batch, (name) =>
        this.#pointerDocument(name),
      );
      for (const pointer of pointers) if (pointer) yield pointer.version;
    }
  }

  async #pointerDocument(name: string): Promise<PointerDocument | undefined> {
    assertModelName(name);
    const file = this.#layout.pointer(name);
    const doc = await readJson<PointerDocument>(file, this.#blockingReads);
    if (!doc) return undefined;
    checkDocument(doc, file, name, [LEGACY_FORMAT_VERSION, FORMAT_VERSION]);
    if (doc.schemaVersion === FORMAT_VERSION) checkPackRef(doc.ref, file);
    return doc;
  }
}

/** An artifact read from the registry through its contract; anything else means the registry is damaged. */
function checkArtifact(value: unknown, name: string, where: string): ModelArtifact {
  const artifact = modelArtifactSchema.safeParse(value);
  if (!artifact.success || artifact.data.name !== name) {
    const why = artifact.success ? '' : ` (${describeZodIssues(artifact.error).slice(0, 3).join('; ')})`;
    throw new RegistryError(`${where} holds no artifact for ${name}${why}; the registry is damaged`);
  }
  // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
  return artifact.data as ModelArtifact;
}

function checkDocument(
  doc: { schemaVersion: number; version: ModelVersion },
  file: string,
  name: string,
  formats: readonly number[],
): void {
  const v = doc?.version;
  if (
    !formats.includes(doc?.schemaVersion) ||
    typeof v !== 'object' ||
    v === null ||
    v.name !== name ||
    !Number.isInteger(v.version) ||
    typeof v.tags !== 'object'
  ) {
    throw new RegistryError(
      `${file} is not a registry document for ${name} (format ${formats.join(' or ')}); the registry is damaged`,
    );
  }
}
