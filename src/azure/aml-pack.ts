import { createHash } from 'node:crypto';
import type { ModelArtifact } from '../models/artifact.ts';

/** Where one artifact is in the lake: its pack's key, its byte range, and the SHA-256 of those bytes. */
export interface PackedArtifact {
  key: string;
  offset: number;
  size: number;
  sha256: string;
}

/** Packs are cut at this size, so a registration of 100,000 models puts a few dozen blobs, none huge. */
const PACK_BYTES = 32 * 1024 * 1024;

/**
 * Lays artifacts out as model packs: each artifact's JSON on its own line, so a byte range is exactly the bytes
 * one artifact had as a blob of its own (the same SHA-256 and size in Azure ML's properties).
 */
export function packArtifacts(
  artifacts: readonly ModelArtifact[],
): { bytes: Buffer; entries: Omit<PackedArtifact, 'key'>[] }[] {
  const packs: { bytes: Buffer; entries: Omit<PackedArtifact, 'key'>[] }[] = [];
  let buffers: Buffer[] = [];
  let entries: Omit<PackedArtifact, 'key'>[] = [];
  let offset = 0;
  const cut = () => {
    if (buffers.length > 0) packs.push({ bytes: Buffer.concat(buffers, offset), entries });
    buffers = [];
    entries = [];
    offset = 0;
  };
  for (const artifact of artifacts) {
    if (offset >= PACK_BYTES) cut();
    const bytes = Buffer.from(JSON.stringify(artifact));
    entries.push({ offset, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    buffers.push(bytes, NEWLINE);
    offset += bytes.length + 1;
  }
  cut();
  return packs;
}

const NEWLINE = Buffer.from('\n');
