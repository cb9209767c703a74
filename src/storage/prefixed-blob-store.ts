import { EXIT } from '../core/errors.ts';
import { underPrefix } from '../lake/dataset-lake.ts';
import { checkPrefix } from './keys.ts';
import type { BlobStore, SyncOptions } from './types.ts';

/** A lake laid out before datasets had their own folders: refused until its folders are moved (docs/azure.md). */
export class LegacyLakeError extends Error {
  override readonly name = 'LegacyLakeError';
  /** Bad input: exit code 2, nothing written. */
  readonly exitCode = EXIT.badInput;
}

/**
 * One dataset's folder of a lake container (`datasets/<name>/`), seen as a store of its own: every key, listing
 * and folder sync is relative to it, so the stages, the engine and the registry index keep using `prepared/...`,
 * `runs/<id>/...` and never see another dataset's blobs.
 *
 * A container whose root still holds a prepared lake (`prepared/meta.json`) from before the namespaces, while this
 * dataset's folder holds none, is refused on first use with the commands that move it: silently starting an
 * empty namespace next to it would leave the old runs, predictions and prod index behind unseen.
 */
export class PrefixedBlobStore implements BlobStore {
  readonly location: string;
  readonly #inner: BlobStore;
  readonly #prefix: string;
  #layoutChecked: Promise<void> | undefined;

  constructor(inner: BlobStore, prefix: string) {
    checkPrefix(prefix);
    this.#inner = inner;
    this.#prefix = prefix.replace(/\/$/, '');
    this.location = `${inner.location.replace(/\/$/, '')}/${this.#prefix}`;
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    await this.#checked();
    return this.#inner.put(this.#key(key), data);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.#checked();
    return this.#inner.get(this.#key(key));
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    await this.#checked();
    return this.#inner.getRange(this.#key(key), offset, length);
  }

  async exists(key: string): Promise<boolean> {
    await this.#checked();
    return this.#inner.exists(this.#key(key));
  }

  async *list(prefix: string): AsyncIterable<string> {
    await this.#checked();
    const mine = `${this.#prefix}/`;
    for await (const key of this.#inner.list(this.#key(prefix))) {
      if (key.startsWith(mine)) yield key.slice(mine.length);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#checked();
    return this.#inner.delete(this.#key(key));
  }

  async uploadDir(localDir: string, prefix: string, options?: SyncOptions): Promise<number> {
    await this.#checked();
    return this.#inner.uploadDir(localDir, this.#key(prefix), options);
  }

  async downloadDir(prefix: string, localDir: string, options?: SyncOptions): Promise<number> {
    await this.#checked();
    return this.#inner.downloadDir(this.#key(prefix), localDir, options);
  }

  async pruneEmptyDirectories(prefix: string): Promise<number> {
    await this.#checked();
    return (await this.#inner.pruneEmptyDirectories?.(this.#key(prefix))) ?? 0;
  }

  #key(key: string): string {
    return underPrefix(this.#prefix, key);
  }

  #checked(): Promise<void> {
    this.#layoutChecked ??= this.#checkLayout();
    return this.#layoutChecked;
  }

  async #checkLayout(): Promise<void> {
    if (await this.#inner.exists(this.#key('prepared/meta.json'))) return;
    if (!(await this.#inner.exists('prepared/meta.json'))) return;
    const root = this.#inner.location;
    throw new LegacyLakeError(
      `the lake ${root} holds a prepared lake at its root (prepared/, runs/, predictions/, registry/ ...), laid out ` +
        `before each dataset had its own folder; this dataset's folder ${this.location} is empty. Move the root ` +
        `folders under ${this.#prefix}/ (on ADLS Gen2 a rename: az storage fs directory move -f <container> ` +
        `-n prepared --new-directory <container>/${this.#prefix}/prepared --account-name <account> --auth-mode ` +
        'login, and the same for runs, predictions, reports and registry), or give this dataset the container as ' +
        'its own in a storage block of its dataset config (docs/azure.md, "One lake, several datasets")',
    );
  }
}
