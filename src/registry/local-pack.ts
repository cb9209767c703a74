import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { PACK_FOLDER, type PlannedPack } from '../artifacts/pack.ts';
import { FORMAT_VERSION, type LocalLayout, type PackRecord, type PackRef } from './local-layout.ts';
import type { ModelVersion } from './types.ts';
import { RegistryError } from './types.ts';

/** A new version waiting for its pack: `previous` is a reference already known, or a planned version's index. */
export interface PlannedVersion {
  meta: ModelVersion;
  previous: PackRef | number | null;
  artifactJson: string;
}

/** Packs are cut at this size, so one registration of 100,000 models neither builds one huge buffer nor file. */
const PACK_BYTES = 32 * 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Lays planned versions out into packs, in order: a version's `previous` may be an earlier planned version
 * (a model registered twice in one call), whose reference is known by then. Returns the packs and each version's
 * reference.
 */
export function packVersions(planned: readonly PlannedVersion[]): { packs: PlannedPack[]; refs: PackRef[] } {
  const packs: PlannedPack[] = [];
  const refs: PackRef[] = [];
  let file = '';
  let buffers: Buffer[] = [];
  let ranges: PlannedPack['ranges'] = [];
  let offset = PACK_BYTES;
  const cut = () => {
    if (buffers.length > 0) packs.push({ file, bytes: Buffer.concat(buffers, offset), ranges });
    file = `${PACK_FOLDER}/${randomBytes(8).toString('hex')}.jsonl`;
    buffers = [];
    ranges = [];
    offset = 0;
  };
  for (const version of planned) {
    if (offset >= PACK_BYTES) cut();
    const previous = typeof version.previous === 'number' ? refs[version.previous]! : version.previous;
    const header = JSON.stringify({ schemaVersion: FORMAT_VERSION, version: version.meta, previous });
    // Splice the already-serialised artifact in rather than serialising it twice.
    const line = Buffer.from(`${header.slice(0, -1)},"artifact":${version.artifactJson}}\n`, 'utf8');
    const length = line.length - 1;
    refs.push({ pack: file, offset, length, sha256: sha256(line.subarray(0, length)) });
    ranges.push({ offset, length });
    buffers.push(line);
    offset += line.length;
  }
  cut();
  return { packs, refs };
}

/**
 * Reads one version's record by a positioned read of its byte range (whatever the pack's size), checks the bytes
 * against the SHA-256 its pointer recorded, and that the record is the version asked for. Every failure names the
 * pack file, the byte range and the model.
 */
export async function readPackRecord(
  layout: LocalLayout,
  name: string,
  ref: PackRef,
  from: string,
  blocking = false,
): Promise<PackRecord> {
  const file = layout.pack(ref);
  const where = `${file} (bytes ${ref.offset}+${ref.length}, model ${name}, named by ${from})`;
  let bytes: Buffer;
  try {
    if (blocking) bytes = readRangeSync(file, ref, where);
    else bytes = await readRange(file, ref, where);
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new RegistryError(`registry pack ${where} cannot be read (${code ?? String(error)})`, {
      cause: error,
    });
  }
  return parseRecord(bytes, ref, name, where);
}

function readRangeSync(file: string, ref: PackRef, where: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const bytes = Buffer.allocUnsafe(ref.length);
    const bytesRead = readSync(fd, bytes, 0, ref.length, ref.offset);
    if (bytesRead !== ref.length) {
      throw new RegistryError(
        `registry pack ${where} is cut short: the file ends at byte ${fstatSync(fd).size}; the registry is damaged`,
      );
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

async function readRange(file: string, ref: PackRef, where: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.allocUnsafe(ref.length);
    const { bytesRead } = await handle.read(bytes, 0, ref.length, ref.offset);
    if (bytesRead !== ref.length) {
      const size = (await handle.stat()).size;
      throw new RegistryError(
        `registry pack ${where} is cut short: the file ends at byte ${size}; the registry is damaged`,
      );
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

function parseRecord(bytes: Buffer, ref: PackRef, name: string, where: string): PackRecord {
  if (sha256(bytes) !== ref.sha256) {
    throw new RegistryError(`registry pack ${where} does not match its SHA-256; the registry is damaged`);
  }
  let record: PackRecord;
  try {
    record = JSON.parse(bytes.toString('utf8')) as PackRecord;
  } catch (error) {
    throw new RegistryError(`registry pack ${where} holds no JSON record (${(error as Error).message})`);
  }
  if (record?.schemaVersion !== FORMAT_VERSION || record.version?.name !== name) {
    throw new RegistryError(`registry pack ${where} holds no record of ${name}; the registry is damaged`);
  }
  return record;
}

/** Checks a reference read from a pointer or a record; a bad one is the registry's damage, located. */
export function checkPackRef(ref: unknown, where: string): PackRef {
  const r = ref as PackRef;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.pack !== 'string' ||
    !Number.isSafeInteger(r.offset) ||
    r.offset < 0 ||
    !Number.isSafeInteger(r.length) ||
    r.length < 1 ||
    typeof r.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(r.sha256)
  ) {
    throw new RegistryError(`${where} holds no valid pack reference; the registry is damaged`);
  }
  return r;
}
