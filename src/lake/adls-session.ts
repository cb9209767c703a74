import path from 'node:path';
import type { LakeSession, OperationOptions } from '../stages/ports.ts';
import { lakeLayout } from '../storage/layout.ts';
import { mirrorDir } from '../storage/mirror.ts';
import type { BlobStore } from '../storage/types.ts';

/**
 * The lake in ADLS Gen2, seen through a local working folder: a stage downloads the prefixes it reads, computes on
 * local disk (DuckDB and the journal never touch a network mount), and uploads what it wrote once, after it
 * succeeded. `log` reports each transfer.
 */
export class AdlsLakeSession implements LakeSession {
  readonly remote = true;
  readonly root: string;
  readonly layout: ReturnType<typeof lakeLayout>;
  readonly #store: BlobStore;
  readonly #log: (line: string) => void;

  constructor(store: BlobStore, workingFolder: string, log: (line: string) => void = () => {}) {
    this.#store = store;
    this.root = path.resolve(workingFolder);
    this.layout = lakeLayout(this.root);
    this.#log = log;
  }

  get location(): string {
    return this.#store.location;
  }

  async pull(prefixes: readonly string[], options: OperationOptions = {}): Promise<void> {
    for (const prefix of prefixes) {
      options.abortSignal?.throwIfAborted();
      const count = await this.#store.downloadDir(prefix, path.join(this.root, prefix), options);
      this.#log(`lake: ${count} file(s) of ${prefix} from ${this.location}`);
    }
  }

  async push(prefixes: readonly string[], options: OperationOptions = {}): Promise<void> {
    for (const prefix of prefixes) {
      options.abortSignal?.throwIfAborted();
      const count = await this.#store.uploadDir(path.join(this.root, prefix), prefix, options);
      this.#log(`lake: ${count} file(s) of ${prefix} to ${this.location}`);
    }
  }

  /** A re-prepare with fewer buckets must not leave stale data for readers that glob the prefix. */
  async mirror(prefix: string, options: OperationOptions = {}): Promise<void> {
    options.abortSignal?.throwIfAborted();
    const stats = await mirrorDir(this.#store, path.join(this.root, prefix), prefix, options);
    this.#log(
      `lake: ${prefix} mirrored to ${this.location} (${stats.uploaded} uploaded, ${stats.deleted} stale removed)`,
    );
  }
}
