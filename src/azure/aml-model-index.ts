import type { ModelVersion as AmlModelVersion } from '@azure/arm-machinelearning';
import { parseJsonText } from '../contracts/json-file.ts';
import { type ModelIndexEntry, modelIndexEntrySchema } from '../contracts/model-index.ts';
import type { ModelVersion } from '../registry/types.ts';
import type { BlobStore } from '../storage/types.ts';
import { artifactFacts, parseDatastoreUri, toModelVersion } from './aml-model-mapping.ts';

/**
 * The model index an Azure ML registry keeps in its lake datastore: `<prefix>/<name>/latest.json` per model
 * (src/contracts/model-index.ts), so scoring and serving find a model's latest version and artifact with blob reads
 * instead of ARM calls. Written with each version; Azure ML stays the record.
 */
export class LakeModelIndex {
  readonly #store: () => Promise<BlobStore>;
  readonly #prefix: string;

  constructor(store: () => Promise<BlobStore>, prefix: string) {
    this.#store = store;
    this.#prefix = prefix;
  }

  #key(name: string): string {
    return `${this.#prefix}/${name}/latest.json`;
  }

  async read(name: string): Promise<ModelIndexEntry | undefined> {
    const store = await this.#store();
    const key = this.#key(name);
    const bytes = await store.get(key);
    if (!bytes) return undefined;
    const text = Buffer.from(bytes).toString('utf8');
    return parseJsonText(`${store.location}/${key}`, text, modelIndexEntrySchema, 'model index entry');
  }

  async write(version: ModelVersion, artifact: ModelIndexEntry['artifact']): Promise<void> {
    const entry: ModelIndexEntry = {
      schemaVersion: 1,
      name: version.name,
      version: version.version,
      artifact,
      registeredAt: version.registeredAt,
      tags: version.tags,
    };
    await (await this.#store()).put(this.#key(version.name), JSON.stringify(entry));
  }

  /** Drops a model's entry (its version was archived): readers then ask Azure ML until the next registration. */
  async forget(name: string): Promise<void> {
    await (await this.#store()).delete(this.#key(name));
  }

  /** Rewrites an entry a run killed between the version PUT and the entry left behind Azure ML's version. */
  async mend(name: string, resource: AmlModelVersion): Promise<void> {
    const indexed = await this.read(name);
    if (indexed?.version === Number(resource.name)) return;
    const facts = artifactFacts(resource);
    const where = parseDatastoreUri(facts.uri ?? '');
    if (!where || !facts.sha256) return;
    const version = toModelVersion(name, resource);
    await this.write(version, {
      key: where.key,
      sha256: facts.sha256,
      size: version.size,
      ...(facts.offset === undefined ? {} : { offset: facts.offset }),
    });
  }
}

export const versionOfEntry = (entry: ModelIndexEntry): ModelVersion => ({
  name: entry.name,
  version: entry.version,
  tags: entry.tags,
  registeredAt: entry.registeredAt,
  size: entry.artifact.size,
});
