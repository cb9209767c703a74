import type { BlobItem } from '@azure/storage-blob';

/**
 * On a storage account with a hierarchical namespace (the lake is one) a flat Blob listing also returns each
 * directory, as a zero-length blob with metadata hdi_isfolder=true; deleting one through the Blob API works only
 * once it is empty ("Blob storage features / known issues" for HNS accounts).
 */
export function isDirectory(blob: BlobItem): boolean {
  return blob.metadata?.hdi_isfolder === 'true';
}

/** The directories among a listing that hold no file any more, deepest first (the order they can be deleted in). */
export function emptyDirectories(entries: readonly BlobItem[]): string[] {
  const directories: string[] = [];
  const occupied = new Set<string>();
  for (const entry of entries) {
    if (isDirectory(entry)) directories.push(entry.name);
    else for (const parent of parentsOf(entry.name)) occupied.add(parent);
  }
  return directories.filter((d) => !occupied.has(d)).sort((a, b) => b.length - a.length);
}

/** 'a/b/c.parquet' -> ['a', 'a/b']. */
function parentsOf(name: string): string[] {
  const parts = name.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
