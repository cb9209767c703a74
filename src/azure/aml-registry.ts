import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { modelArtifactSchema } from '../contracts/artifact.ts';
import { parseJsonText } from '../contracts/json-file.ts';
import { isModelName, modelName } from '../core/model-name.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import { alreadyRegistered, indexesByName, validateRequests } from '../registry/requests.ts';
import {
  latestMoved,
  type ModelRegistry,
  type ModelVersion,
  type RegisterOptions,
  type RegisterRequest,
  RegistryError,
  type Stage,
} from '../registry/types.ts';
import { AzureBlobStore } from '../storage/azure-blob-store.ts';
import type { BlobStore } from '../storage/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import {
  type AmlClientOptions,
  type AmlWorkspaceRef,
  createAmlClient,
  workspaceLabel,
} from './aml-client.ts';
import { type ArtifactStoreFactory, type DatastoreLocation, resolveDatastore } from './aml-datastore.ts';
import { LakeModelIndex, versionOfEntry } from './aml-model-index.ts';
import {
  artifactFacts,
  datastoreUri,
  packKey,
  parseDatastoreUri,
  sha256Hex,
  toModelVersion,
  versionBody,
} from './aml-model-mapping.ts';
import { AmlModelVersions } from './aml-model-versions.ts';
import { type PackedArtifact, packArtifacts } from './aml-pack.ts';
import { azureCredential } from './credential.ts';

export interface AzureMlRegistryOptions extends AmlClientOptions {
  workspace: AmlWorkspaceRef;
  stage: Stage;
  /**
   * Datastore holding artifacts: default `mm_lake`, the lake container the Pulumi program registers in each
   * workspace, so training, promotion and scoring need data roles on the lake only (`workspaceblobstore` works too).
   */
  datastore?: string;
  /** Folder inside the datastore; default `registry/<stage>` as in the lake layout. */
  artifactPrefix?: string;
  /** Models registered at once; each is 3-4 ARM calls, so this bounds the request rate on the workspace. */
  concurrency?: number;
  /** Opens the datastore's container (tests use Azurite or a folder); default AzureBlobStore. */
  artifactStore?: ArtifactStoreFactory;
  /** An already built client (shared by registries of the same subscription). */
  client?: AzureMachineLearningWorkspaces;
  /**
   * `latest` and `load` read the model index in the lake (see src/contracts/model-index.ts) and ask ARM only for
   * a model the index lacks: for scoring and serving, which read every model. Registration always decides against
   * ARM's latest version whatever this says, so promotion's compare-and-swap is unaffected.
   */
  readsFromIndex?: boolean;
}

const DESCRIPTION = 'many-models: one forecasting model per partition';

/**
 * ModelRegistry on an Azure ML workspace. A model is a model container named by `modelName()` with integer
 * versions; the artifact JSON goes to the workspace's lake datastore first (content-addressed), then the version
 * is registered pointing at it, so a registered version always has its artifact. Bulk registration runs models in
 * parallel with a bound; the SDK retries 429 (after Retry-After), 408 and 5xx; every call has a deadline.
 */
export class AzureMlModelRegistry implements ModelRegistry {
  readonly stage: Stage;
  readonly location: string;
  readonly workspace: AmlWorkspaceRef;
  readonly #client: AzureMachineLearningWorkspaces;
  readonly #options: AzureMlRegistryOptions;
  readonly #datastore: string;
  readonly #prefix: string;
  readonly #versions: AmlModelVersions;
  readonly #index: LakeModelIndex;
  #store: Promise<{ location: DatastoreLocation; store: BlobStore }> | undefined;

  constructor(options: AzureMlRegistryOptions) {
    this.stage = options.stage;
    this.workspace = options.workspace;
    this.location = workspaceLabel(options.workspace);
    this.#options = options;
    this.#client = options.client ?? createAmlClient(options.workspace.subscriptionId, options);
    this.#datastore = options.datastore ?? 'mm_lake';
    this.#prefix = options.artifactPrefix ?? `registry/${options.stage}`;
    this.#versions = new AmlModelVersions(this.#client, options.workspace, options);
    this.#index = new LakeModelIndex(async () => (await this.#artifacts()).store, this.#prefix);
  }

  async #artifacts(): Promise<{ location: DatastoreLocation; store: BlobStore }> {
    this.#store ??= (async () => {
      const location = await resolveDatastore(this.#client, this.workspace, this.#datastore, this.#options);
      const open =
        this.#options.artifactStore ??
        ((l: DatastoreLocation) =>
          new AzureBlobStore({
            accountUrl: l.accountUrl,
            container: l.container,
            credential: azureCredential({ credential: this.#options.credential }),
          }));
      return { location, store: open(location) };
    })();
    // A failed lookup is not cached: the next call tries again.
    this.#store.catch(() => {
      this.#store = undefined;
    });
    return this.#store;
  }

  async registerMany(
    requests: readonly RegisterRequest[],
    options: RegisterOptions = {},
  ): Promise<ModelVersion[]> {
    validateRequests(requests);
    options.signal?.throwIfAborted();
    if (requests.length === 0) return [];
    const byName = indexesByName(requests);
    const results = new Array<ModelVersion>(requests.length);
    const failures: string[] = [];
    const concurrency = this.#options.concurrency ?? 8;
    // First decide every model's new versions against Azure ML's latest, then put their artifacts into packs
    // (one blob per pack, not per model), then register the versions pointing into them.
    const planned: { index: number; version: number }[] = [];
    const plannedOf = new Map<string, { index: number; version: number }[]>();
    await mapLimit(
      [...byName],
      concurrency,
      async ([name, indexes]) => {
        try {
          if (options.keepUnchanged && indexes.length === 1) {
            // A retrain's unchanged model is found in the lake's index, without two ARM reads (dev registrations
            // have no compare-and-swap to honour; promotion never sets keepUnchanged).
            const indexed = await this.#readIndex(name);
            const kept = indexed && versionOfEntry(indexed);
            if (kept && alreadyRegistered(kept, requests[indexes[0]!]!, options)) {
              results[indexes[0]!] = kept;
              return;
            }
          }
          const { top, resource } = await this.#live(name, options.signal);
          let current = resource ? toModelVersion(name, resource) : undefined;
          // New versions are numbered past the newest, archived or not: version numbers are never reused.
          let next = top + 1;
          const mine: { index: number; version: number }[] = [];
          for (const index of indexes) {
            const request = requests[index]!;
            if (current && alreadyRegistered(current, request, options)) {
              // A run killed between the version PUT and its index entry left the index behind: mend it.
              if (resource && current.version === Number(resource.name))
                await this.#index.mend(name, resource);
              results[index] = current;
              continue;
            }
            if (latestMoved(request, current)) {
              // The decision was made against another latest version: the caller re-decides against this one.
              if (!current)
                throw new RegistryError(`${name}: expected version ${request.expectedLatest}, found none`);
              results[index] = current;
              continue;
            }
            const version = next++;
            mine.push({ index, version });
            // What the next request of the same model is checked against: this version, once registered.
            current = { name, version, tags: request.tags, registeredAt: '', size: 0 };
          }
          if (mine.length > 0) plannedOf.set(name, mine);
        } catch (error) {
          failures.push((error as Error).message);
        }
      },
      { abortSignal: options.signal },
    );
    for (const mine of plannedOf.values()) planned.push(...mine);
    options.signal?.throwIfAborted();
    const located = await this.#putPacks(planned.map((p) => requests[p.index]!.artifact));
    const where = new Map(planned.map((p, i) => [p.index, located[i]!]));
    await mapLimit(
      [...plannedOf],
      concurrency,
      async ([, mine]) => {
        try {
          // One model's versions in order: each PUT names the next version number.
          for (const { index, version } of mine) {
            const request = requests[index]!;
            results[index] = await this.#register(request, version, where.get(index)!, options.signal);
          }
        } catch (error) {
          failures.push((error as Error).message);
        }
      },
      { abortSignal: options.signal },
    );
    if (failures.length > 0) {
      const shown = failures.slice(0, 5).map((f) => `  - ${f}`);
      if (failures.length > 5) shown.push(`  - ... and ${failures.length - 5} more`);
      throw new RegistryError(
        `${failures.length} of ${byName.size} model(s) could not be registered in ${this.location} ` +
          `(the others were; a re-run with the same idempotency tag skips them):\n${shown.join('\n')}`,
      );
    }
    return results;
  }

  /**
   * Puts the artifacts into model packs in the datastore (content-addressed, so a re-run puts the same blobs) and
   * answers where each one is. A pack is in the lake before any version names it.
   */
  async #putPacks(artifacts: readonly ModelArtifact[]): Promise<PackedArtifact[]> {
    if (artifacts.length === 0) return [];
    const { store } = await this.#artifacts();
    const out: PackedArtifact[] = [];
    for (const pack of packArtifacts(artifacts)) {
      const key = packKey(this.#prefix, sha256Hex(pack.bytes));
      await store.put(key, pack.bytes);
      for (const entry of pack.entries) out.push({ key, ...entry });
    }
    return out;
  }

  /**
   * One ARM write per version: the version PUT creates its model container when it is the first, as Azure ML's own
   * SDK relies on (azure-ai-ml `ModelOperations.create_or_update` puts the version alone, no container call).
   */
  async #register(
    request: RegisterRequest,
    version: number,
    artifact: PackedArtifact,
    signal?: AbortSignal,
  ): Promise<ModelVersion> {
    const name = request.artifact.name;
    const { location } = await this.#artifacts();
    const body = versionBody(
      request.tags,
      {
        uri: datastoreUri(this.workspace, location.name, artifact.key),
        size: artifact.size,
        sha256: artifact.sha256,
        offset: artifact.offset,
      },
      DESCRIPTION,
    );
    const registered = toModelVersion(name, await this.#versions.put(name, version, body, signal));
    await this.#index.write(registered, artifact);
    return registered;
  }

  async #readIndex(name: string) {
    if (!isModelName(name)) throw new RegistryError(`'${name}' is not a model name (mm-<slug>-<12 hex>)`);
    return this.#index.read(name);
  }

  async latest(name: string): Promise<ModelVersion | undefined> {
    if (this.#options.readsFromIndex) {
      const indexed = await this.#readIndex(name);
      if (indexed) return versionOfEntry(indexed);
    }
    return this.#latestVersion(name);
  }

  async #latestVersion(name: string, signal?: AbortSignal): Promise<ModelVersion | undefined> {
    const resource = await this.#latestResource(name, signal);
    return resource ? toModelVersion(name, resource) : undefined;
  }

  async #latestResource(name: string, signal?: AbortSignal) {
    return (await this.#live(name, signal)).resource;
  }

  #live(name: string, signal?: AbortSignal) {
    // Azure answers 404 for a missing model and for a missing workspace alike: prove the workspace is there (one
    // datastore read per registry, cached) so a typo in the environment file is never taken for "no model yet".
    return this.#versions.live(name, () => this.#artifacts(), signal);
  }

  /**
   * Drops a model's entry from the lake's model index (after its version was archived), so readers ask Azure ML,
   * which answers the newest version that is not archived, until the next registration writes a new entry.
   */
  async forgetIndexEntry(name: string): Promise<void> {
    if (!isModelName(name)) throw new RegistryError(`'${name}' is not a model name (mm-<slug>-<12 hex>)`);
    await this.#index.forget(name);
  }

  #versionResource(name: string, version: string, signal?: AbortSignal) {
    return this.#versions.get(name, version, signal);
  }

  /** The prod (or dev) model of a partition, by its raw key values. */
  async latestFor(keyValues: readonly string[]): Promise<ModelVersion | undefined> {
    return this.latest(modelName(keyValues));
  }

  async load(
    name: string,
    version?: number,
  ): Promise<{ version: ModelVersion; artifact: ModelArtifact } | undefined> {
    if (this.#options.readsFromIndex) {
      const indexed = await this.#readIndex(name);
      if (indexed && (version === undefined || version === indexed.version)) {
        const bytes = await this.#artifactBytes(name, String(indexed.version), indexed.artifact);
        return {
          version: versionOfEntry(indexed),
          artifact: parseArtifact(bytes, `of model ${name} version ${indexed.version}`),
        };
      }
    }
    const resource =
      version === undefined
        ? await this.#latestResource(name)
        : await this.#versionResource(name, String(version));
    if (!resource) return undefined;
    const facts = artifactFacts(resource);
    const where = parseDatastoreUri(facts.uri ?? '');
    const { location } = await this.#artifacts();
    if (!where || where.datastore !== location.name) {
      throw new RegistryError(
        `model ${name} version ${resource.name} points at '${facts.uri}', not at datastore ${location.name}`,
      );
    }
    const bytes = await this.#artifactBytes(name, resource.name ?? '?', {
      key: where.key,
      sha256: facts.sha256,
      offset: facts.offset,
      size: facts.size,
    });
    return {
      version: toModelVersion(name, resource),
      artifact: parseArtifact(bytes, `of model ${name} version ${resource.name ?? '?'}`),
    };
  }

  /**
   * A version's artifact bytes: a ranged read of its model pack (or, for a version registered before packs, its
   * own blob), checked against the registered SHA-256. A pack cut short names the blob, the range and the model.
   */
  async #artifactBytes(
    name: string,
    version: string,
    artifact: { key: string; sha256?: string | undefined; offset?: number | undefined; size?: number },
  ): Promise<Uint8Array> {
    const { store } = await this.#artifacts();
    const ranged = artifact.offset !== undefined;
    const where = ranged
      ? `${store.location}/${artifact.key} (bytes ${artifact.offset}+${artifact.size})`
      : `${store.location}/${artifact.key}`;
    const bytes = ranged
      ? await store.getRange(artifact.key, artifact.offset!, Math.max(1, artifact.size ?? 0))
      : await store.get(artifact.key);
    if (!bytes) throw new RegistryError(`model ${name} version ${version}: artifact ${where} is missing`);
    if (ranged && bytes.length !== artifact.size) {
      throw new RegistryError(
        `model ${name} version ${version}: model pack ${where} is cut short (${bytes.length} of ${artifact.size} bytes)`,
      );
    }
    if (artifact.sha256 && sha256Hex(bytes) !== artifact.sha256) {
      throw new RegistryError(
        `model ${name} version ${version}: artifact ${where} does not match its registered SHA-256`,
      );
    }
    return bytes;
  }

  async *list(): AsyncIterable<ModelVersion> {
    const names = await this.#versions.listLatest();
    const batch = this.#options.concurrency ?? 8;
    for (let i = 0; i < names.length; i += batch) {
      const resources = await mapLimit(names.slice(i, i + batch), batch, (n) =>
        this.#versionResource(n.name, n.latest),
      );
      for (const [j, resource] of resources.entries())
        if (resource) yield toModelVersion(names[i + j]!.name, resource);
    }
  }
}

/** A registered artifact through its contract; `what` names the model version in any error. */
const parseArtifact = (bytes: Uint8Array, what: string): ModelArtifact =>
  // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
  parseJsonText(what, Buffer.from(bytes).toString('utf8'), modelArtifactSchema, 'artifact') as ModelArtifact;
