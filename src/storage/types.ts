/** Cancellation of a folder sync, in the shape of the Azure SDK's options bags. */
export interface SyncOptions {
  abortSignal?: AbortSignal | undefined;
}

/**
 * The lake as seen by the steps: a flat namespace of keys ('prepared/Store=1/part.parquet') holding bytes.
 * Two implementations: a local folder and an ADLS Gen2 account through the Blob API.
 * Compute (DuckDB, workers) always runs on a local folder; on Azure, steps sync that folder with the lake.
 */
export interface BlobStore {
  /** Human-readable location for messages, e.g. a folder path or a container URL. */
  readonly location: string;
  /** Writes atomically: readers see the old content or the new, never a half-written one. */
  put(key: string, data: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * `length` bytes from `offset` (a ranged read: a positioned read of a file, a ranged Get Blob); fewer when the
   * blob ends before, none when it ends before `offset`; undefined when there is no such blob.
   */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<string>;
  delete(key: string): Promise<void>;
  /**
   * Uploads every file below a local folder under `prefix`, skipping ones already there with the same bytes. An
   * aborted signal starts no new file; each file lands whole or not at all, so a re-run resumes.
   */
  uploadDir(localDir: string, prefix: string, options?: SyncOptions): Promise<number>;
  /** Downloads every key below `prefix` into a local folder; cancellation as `uploadDir`. */
  downloadDir(prefix: string, localDir: string, options?: SyncOptions): Promise<number>;
  /** Removes directories below `prefix` left empty (only stores whose account has real directories need it). */
  pruneEmptyDirectories?(prefix: string): Promise<number>;
}
