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
  exists(key: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<string>;
  delete(key: string): Promise<void>;
  /** Uploads every file below a local folder under `prefix`, skipping ones already there with the same size. */
  uploadDir(localDir: string, prefix: string): Promise<number>;
  /** Downloads every key below `prefix` into a local folder. */
  downloadDir(prefix: string, localDir: string): Promise<number>;
  /** Removes directories below `prefix` left empty (only stores whose account has real directories need it). */
  pruneEmptyDirectories?(prefix: string): Promise<number>;
}
