import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ArtifactStore } from '../artifacts/store.ts';
import { readJsonFile } from '../contracts/json-file.ts';
import { lakePinSchema } from '../contracts/lake-pin.ts';
import { EXIT } from '../core/errors.ts';
import type { CatalogEntry } from '../data/index.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import type { PartitionRecord } from './manifest.ts';
import { RunError } from './run-error.ts';

/**
 * What a run (or shard, or bucket set) has to do, decided before any training: which partitions prepare
 * rejected (they get a record with prepare's reason) and which valid ones still need training given the journal.
 */

/**
 * Records the prepared lake's fingerprint when a run (or shard) starts, and refuses to continue it on another
 * lake: a resumed run would otherwise hold models of two datasets under one fingerprint.
 */
export async function pinLake(
  runDir: string,
  label: string,
  fingerprint: string,
  continuing: boolean,
): Promise<void> {
  const file = path.join(runDir, `lake${label}.json`);
  if (continuing && existsSync(file)) {
    const pinned = (await readJsonFile(file, lakePinSchema, 'lake pin')).dataFingerprint;
    if (pinned !== fingerprint) {
      throw new RunError(
        `the prepared lake changed since this run started (data fingerprint ${pinned} then, ${fingerprint} now): ` +
          'resuming would mix models of two datasets in one run; start a new run instead',
        EXIT.badInput,
      );
    }
    return;
  }
  await writeJsonAtomic(file, { dataFingerprint: fingerprint });
}

/**
 * Partitions that prepare rejected keep prepare's reason, so every partition has a status: too-short series are
 * skipped (nothing is wrong with them, there is just not enough history yet); bad data fails.
 */
export function rejectedRecords(catalog: readonly CatalogEntry[]): PartitionRecord[] {
  return catalog.filter((p) => p.status !== 'ok').map(rejectedRecord);
}

export function rejectedRecord(
  p: Pick<CatalogEntry, 'name' | 'key' | 'status' | 'reason' | 'inputRows'>,
): PartitionRecord {
  const reason = p.reason || `rejected by prepare (${p.status})`;
  const common = { name: p.name, key: p.key, observations: p.inputRows, durationMs: 0 };
  return p.status === 'too_short'
    ? { ...common, status: 'skipped', reason }
    : {
        ...common,
        status: 'failed',
        error: { class: 'ValidationError', message: `${p.status}: ${reason}` },
      };
}

/**
 * The valid partitions to train now: those the journal lacks (or, with `onlyFailed`, records as failed). A
 * journal line whose artifact did not survive (power loss before the pack reached the disk) trains again.
 */
export async function partitionsToTrain(
  valid: readonly CatalogEntry[],
  previous: ReadonlyMap<string, PartitionRecord>,
  onlyFailed: boolean,
  artifacts: ArtifactStore,
): Promise<Set<string>> {
  const todo = new Set<string>();
  for (const p of valid) {
    const done = previous.get(p.name);
    if (onlyFailed ? done?.status === 'failed' : !done) todo.add(p.name);
    else if (!onlyFailed && done?.status === 'ok' && !(await artifacts.has(done.artifact ?? '')))
      todo.add(p.name);
  }
  return todo;
}
