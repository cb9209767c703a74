import type { PartitionRecord, PartitionStatus, RunManifest } from './manifest.ts';

export function totalsOf(records: readonly PartitionRecord[]): Record<PartitionStatus, number> {
  const totals: Record<PartitionStatus, number> = { ok: 0, failed: 0, skipped: 0 };
  for (const r of records) totals[r.status]++;
  return totals;
}

/** Share of a run's partitions that failed: what `engine.maxFailedShare` is compared with. */
export function failedShareOf(manifest: Pick<RunManifest, 'totals' | 'partitions'>): number {
  const total = manifest.partitions.length;
  return total === 0 ? 0 : manifest.totals.failed / total;
}

export function sortRecords(records: PartitionRecord[]): PartitionRecord[] {
  return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Merges the manifests of N shards of one run into the manifest a single process would have written.
 * Refuses shards of different runs or data, overlapping partitions, and incomplete shard sets.
 */
export function mergeManifests(shards: readonly RunManifest[]): RunManifest {
  const first = shards[0];
  if (!first) throw new Error('no shard manifests to merge');
  const count = first.shard?.count ?? 1;
  const seenShards = new Set<number>();
  const byName = new Map<string, PartitionRecord>();
  for (const m of shards) {
    if (m.runId !== first.runId)
      throw new Error(`shard manifests belong to different runs: ${first.runId}, ${m.runId}`);
    if (m.dataFingerprint !== first.dataFingerprint) {
      throw new Error(`shard ${m.shard?.index ?? 0} of run ${m.runId} was trained on different data`);
    }
    if ((m.shard?.count ?? 1) !== count)
      throw new Error(`shard manifests disagree on the shard count of run ${m.runId}`);
    const index = m.shard?.index ?? 0;
    if (seenShards.has(index)) throw new Error(`shard ${index}/${count} of run ${m.runId} appears twice`);
    seenShards.add(index);
    for (const record of m.partitions) {
      if (byName.has(record.name))
        throw new Error(`partition ${record.name} appears in two shards of run ${m.runId}`);
      byName.set(record.name, record);
    }
  }
  const missing = [...Array(count).keys()].filter((i) => !seenShards.has(i));
  if (missing.length > 0)
    throw new Error(
      `run ${first.runId} is missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}`,
    );
  const partitions = sortRecords([...byName.values()]);
  return {
    ...first,
    startedAt: shards.map((m) => m.startedAt).sort()[0]!,
    finishedAt: shards
      .map((m) => m.finishedAt)
      .sort()
      .at(-1)!,
    shard: null,
    totals: totalsOf(partitions),
    partitions,
  };
}
