import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface LocalFile {
  /** '/'-separated path relative to the walked folder. */
  relative: string;
  absolute: string;
  size: number;
}

/** Temporary files of atomic writers ('.name.<random>.tmp'), never part of a sync. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && (name.endsWith('.tmp') || name.includes('.tmp.'));
}

/** Every regular file below `root` (sorted, temp files skipped); an absent root holds no files. */
export async function walkFiles(root: string): Promise<LocalFile[]> {
  const out: LocalFile[] = [];
  const visit = async (dir: string, rel: string) => {
    let handle: Awaited<ReturnType<typeof opendir>>;
    try {
      handle = await opendir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    for await (const entry of handle) {
      if (isTempName(entry.name)) continue;
      const absolute = path.join(dir, entry.name);
      const relative = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await visit(absolute, relative);
      else if (entry.isFile()) out.push({ relative, absolute, size: (await stat(absolute)).size });
    }
  };
  await visit(root, '');
  return out.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** MD5 of a file, streamed: Azure stores Content-MD5 on blobs, so the two sides compare without a download. */
export async function md5OfFile(file: string): Promise<Buffer> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest();
}

export function md5Of(data: Uint8Array): Buffer {
  return createHash('md5').update(data).digest();
}

export async function sizeOf(file: string): Promise<number | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
