import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

/**
 * Model packs: the artifacts of one training batch written as JSON lines into one file, so a run of 10,000
 * partitions writes ~160 files instead of 10,000 (each small file costs a mkdir, open, write, close and rename,
 * and on the lake one blob operation). A run record points into a pack with a reference
 *
 *   packs/<id>.jsonl#<byte offset>+<byte length>
 *
 * which is the index partition -> (pack, offset). A reference without `#` is a whole file: the one-file-per-model
 * layout of runs written before packs (`models/<name>.json`), which every reader still accepts.
 */
export const PACK_FOLDER = 'packs';

export interface ArtifactRef {
  /** File relative to the run folder. */
  file: string;
  /** Byte range inside the file; absent for a whole-file artifact. */
  range?: { offset: number; length: number };
}

const REF = /^(?<file>[^#]+)#(?<offset>\d+)\+(?<length>\d+)$/;

/** Parses a run record's artifact reference; a malformed range is an error naming the reference. */
export function parseArtifactRef(ref: string): ArtifactRef {
  if (!ref.includes('#')) return { file: ref };
  const match = REF.exec(ref);
  if (!match?.groups) throw new Error(`artifact reference '${ref}' is not <file>#<offset>+<length>`);
  return {
    file: match.groups.file!,
    range: { offset: Number(match.groups.offset), length: Number(match.groups.length) },
  };
}

export function formatArtifactRef(file: string, offset: number, length: number): string {
  return `${file}#${offset}+${length}`;
}

export interface WritePackOptions {
  /** fsync the pack before returning (default true): one fsync per batch, not per model. */
  durable?: boolean;
}

/** A pack laid out in memory: its file (relative to its folder), its bytes and each document's byte range. */
export interface PlannedPack {
  file: string;
  bytes: Buffer;
  ranges: { offset: number; length: number }[];
}

/**
 * Lays `documents` (each a JSON text without newlines) out as one pack under a fresh (random) name, so a
 * writer knows every document's reference before anything is on disk (the registry links a model's versions by
 * reference, some of them inside the same pack).
 */
export function planPack(documents: readonly string[]): PlannedPack {
  const file = `${PACK_FOLDER}/${randomBytes(8).toString('hex')}.jsonl`;
  const ranges: PlannedPack['ranges'] = [];
  const buffers: Buffer[] = [];
  let offset = 0;
  for (const document of documents) {
    const bytes = Buffer.from(`${document}\n`, 'utf8');
    ranges.push({ offset, length: bytes.length - 1 });
    buffers.push(bytes);
    offset += bytes.length;
  }
  return { file, bytes: Buffer.concat(buffers, offset), ranges };
}

/**
 * Writes a planned pack below `dir`, never over an existing file ('wx'): a pack is written once and never
 * replaced. Readers learn of it only from what is written after this returns (a journal line, a registry pointer),
 * so a pack torn by a killed process is referenced by nothing.
 */
export async function writePlannedPack(
  dir: string,
  pack: PlannedPack,
  options: WritePackOptions = {},
): Promise<void> {
  const target = path.join(dir, pack.file);
  await mkdir(path.dirname(target), { recursive: true });
  const handle = await open(target, 'wx');
  try {
    await handle.writeFile(pack.bytes);
    if (options.durable !== false) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes one pack holding `documents` (each a JSON text without newlines) and returns each one's reference, in
 * order; see `planPack` and `writePlannedPack`.
 */
export async function writePack(
  runDir: string,
  documents: readonly string[],
  options: WritePackOptions = {},
): Promise<string[]> {
  if (documents.length === 0) return [];
  const pack = planPack(documents);
  await writePlannedPack(runDir, pack, options);
  return pack.ranges.map((r) => formatArtifactRef(pack.file, r.offset, r.length));
}
