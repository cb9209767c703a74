import { mkdir, open, opendir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describeZodIssues } from '../config/errors.ts';
import { modelArtifactSchema } from '../contracts/artifact.ts';
import { isModelName } from '../core/model-name.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import { lakeLayout } from '../storage/layout.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { mapLimit } from '../util/map-limit.ts';
import {
  assertModelName,
  FORMAT_VERSION,
  type LocalLayout,
  localLayout,
  type PointerDocument,
  type VersionDocument,
} from './local-layout.ts';
import { type HeldLock, type LockOptions, withRegistryLock } from './local-lock.ts';
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
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
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
 * per-model `latest.json` pointer, which is only ever replaced atomically after its version file is on disk.
 */
export class LocalModelRegistry implements ModelRegistry {
  readonly stage: Stage;
  readonly location: string;
  readonly #layout: LocalLayout;
  readonly #concurrency: number;
  readonly #lock: LockOptions;
  readonly #durable: boolean;

  constructor(options: LocalRegistryOptions) {
    this.stage = options.stage;
    this.location = options.location ?? lakeLayout(options.root).registry(options.stage);
    this.#layout = localLayout(this.location);
    this.#concurrency = options.concurrency ?? 32;
    this.#lock = options.lock ?? {};
    this.#durable = options.durable ?? true;
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
      await mapLimit([...byName], this.#concurrency, async ([name, indexes]) => {
        let current = await this.#pointer(name);
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
          options.signal?.throwIfAborted();
          current = await this.#commit(lock, request, (current?.version ?? 0) + 1, registeredAt);
          results[index] = current;
        }
      });
    });
    return results;
  }

  async latest(name: string): Promise<ModelVersion | undefined> {
    return this.#pointer(name);
  }

  async load(
    name: string,
    version?: number,
  ): Promise<{ version: ModelVersion; artifact: ModelArtifact } | undefined> {
    const latest = await this.#pointer(name);
    if (!latest) return undefined;
    const wanted = version ?? latest.version;
    // Versions above the pointer were never committed (a writer died between the two files).
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > latest.version) return undefined;
    const file = this.#layout.version(name, wanted);
    const doc = await readJson<VersionDocument>(file);
    if (!doc) {
      if (wanted === latest.version) {
        throw new RegistryError(
          `${this.#layout.pointer(name)} points to version ${wanted} but ${file} is missing`,
        );
      }
      return undefined;
    }
    checkDocument(doc, file, name);
    const artifact = modelArtifactSchema.safeParse(doc.artifact);
    if (!artifact.success || artifact.data.name !== name) {
      const why = artifact.success ? '' : ` (${describeZodIssues(artifact.error).slice(0, 3).join('; ')})`;
      throw new RegistryError(`${file} holds no artifact for ${name}${why}; the registry is damaged`);
    }
    // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
    return { version: doc.version, artifact: artifact.data as ModelArtifact };
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
      const versions = await mapLimit(names.slice(i, i + batch), batch, (name) => this.#pointer(name));
      for (const version of versions) if (version) yield version;
    }
  }

  async #pointer(name: string): Promise<ModelVersion | undefined> {
    assertModelName(name);
    const file = this.#layout.pointer(name);
    const doc = await readJson<PointerDocument>(file);
    if (!doc) return undefined;
    checkDocument(doc, file, name);
    return doc.version;
  }

  async #commit(
    lock: HeldLock,
    request: RegisterRequest,
    version: number,
    registeredAt: string,
  ): Promise<ModelVersion> {
    const name = request.artifact.name;
    const artifactJson = JSON.stringify(request.artifact);
    const meta: ModelVersion = {
      name,
      version,
      tags: { ...request.tags },
      registeredAt,
      size: Buffer.byteLength(artifactJson),
    };
    const header = JSON.stringify({ schemaVersion: FORMAT_VERSION, version: meta });
    // Splice the already-serialised artifact in rather than serialising it twice.
    const doc = `${header.slice(0, -1)},"artifact":${artifactJson}}\n`;
    lock.assertHeld();
    await writeVersionFile(this.#layout.version(name, version), doc, this.#durable);
    lock.assertHeld();
    await writeFileAtomic(this.#layout.pointer(name), `${header}\n`, { durable: this.#durable });
    return meta;
  }
}

/**
 * A version file needs no temporary-and-rename: nothing reads it until the pointer names it, and a torn file
 * left by a killed writer sits above the pointer, is never served, and is overwritten by the next writer.
 * Skipping the rename saves a third of the syscalls of a bulk registration.
 */
async function writeVersionFile(file: string, data: string, durable: boolean): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
}

function checkDocument(doc: PointerDocument, file: string, name: string): void {
  const v = doc?.version;
  if (
    doc?.schemaVersion !== FORMAT_VERSION ||
    typeof v !== 'object' ||
    v === null ||
    v.name !== name ||
    !Number.isInteger(v.version) ||
    typeof v.tags !== 'object'
  ) {
    throw new RegistryError(
      `${file} is not a registry document for ${name} (format ${FORMAT_VERSION}); the registry is damaged`,
    );
  }
}
