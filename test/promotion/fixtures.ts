import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { modelName } from '../../src/core/model-name.ts';
import type { CandidateKind } from '../../src/core/vocabulary.ts';
import type { PartitionRecord, PartitionStatus, RunManifest } from '../../src/engine/manifest.ts';
import { allMetrics } from '../../src/metrics/index.ts';
import type { Metrics, ModelArtifact } from '../../src/models/artifact.ts';
import { lakeLayout } from '../../src/storage/layout.ts';

/**
 * Hand-built runs for promotion tests: small ModelArtifacts and a RunManifest laid out exactly as the engine
 * writes them (`runs/<runId>/manifest.json`, artifact paths relative to the run folder).
 */
export const PARTITION_BY = ['Store', 'Brand'];
export const ACTUAL = [100, 100, 100, 100];
/** Holdout forecasts with known WAPE on ACTUAL. */
export const FORECAST = {
  perfect: [100, 100, 100, 100], // 0
  good: [98, 102, 100, 100], // 0.01
  fair: [95, 105, 100, 100], // 0.025
  poor: [90, 110, 100, 100], // 0.05
  bad: [80, 120, 100, 100], // 0.10
  awful: [70, 130, 100, 100], // 0.15
} as const;

export interface PartitionSpec {
  key: string[];
  status?: PartitionStatus;
  /** Holdout forecast per candidate kind; the baseline's must be among them. */
  candidates?: Partial<Record<CandidateKind, readonly number[]>>;
  chosen?: CandidateKind;
  baseline?: CandidateKind;
  actual?: readonly number[];
  observations?: number;
  scale?: number;
}

export interface RunSpec {
  runId: string;
  codeVersion?: string;
  dataFingerprint?: string;
  partitions: PartitionSpec[];
}

const state = (kind: CandidateKind) => ({ kind, version: 1, params: { level: 100 } });

export function makeArtifact(spec: PartitionSpec, run: RunSpec): ModelArtifact {
  const actual = [...(spec.actual ?? ACTUAL)];
  const baseline = spec.baseline ?? 'seasonal_naive';
  const forecasts = spec.candidates ?? { seasonal_naive: FORECAST.bad, ridge: FORECAST.fair };
  const scale = spec.scale ?? 10;
  const candidates: ModelArtifact['holdout']['candidates'] = {};
  for (const [kind, forecast] of Object.entries(forecasts) as [CandidateKind, number[]][]) {
    const metrics: Metrics = allMetrics({ actual, forecast, scale });
    candidates[kind] = { forecast: [...forecast], metrics };
  }
  const chosen = spec.chosen ?? ('ridge' in forecasts ? 'ridge' : baseline);
  return {
    schemaVersion: 1,
    name: modelName(spec.key),
    partition: Object.fromEntries(PARTITION_BY.map((column, i) => [column, spec.key[i] ?? ''])),
    chosen,
    baseline,
    model: state(chosen),
    baselineModel: state(baseline),
    features: [],
    frequency: 'W',
    seasonLength: 52,
    window: { start: '2020-01-06', end: '2022-12-26', observations: spec.observations ?? 156 },
    holdout: { start: '2022-11-07', end: '2022-12-26', actual, scale, candidates },
    lineage: {
      runId: run.runId,
      codeVersion: run.codeVersion ?? 'code-1',
      dataFingerprint: run.dataFingerprint ?? 'data-1',
      trainedAt: '2023-01-01T00:00:00.000Z',
    },
  };
}

/** Writes `runs/<runId>/` below `root` and returns the run folder. */
export async function writeRun(root: string, run: RunSpec): Promise<string> {
  const runDir = lakeLayout(root).run(run.runId);
  await mkdir(path.join(runDir, 'artifacts'), { recursive: true });
  const records: PartitionRecord[] = [];
  for (const spec of run.partitions) {
    const name = modelName(spec.key);
    const status = spec.status ?? 'ok';
    const record: PartitionRecord = {
      name,
      key: spec.key,
      status,
      observations: spec.observations ?? 156,
      durationMs: 1,
    };
    if (status === 'ok') {
      const artifact = makeArtifact(spec, run);
      record.artifact = `artifacts/${name}.json`;
      record.chosen = artifact.chosen;
      await writeFile(path.join(runDir, record.artifact), JSON.stringify(artifact));
    } else if (status === 'failed') {
      record.error = { class: 'ValidationError', message: 'target has 3 negative values' };
    } else {
      record.reason = 'series too short for the holdout';
    }
    records.push(record);
  }
  records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const totals = { ok: 0, failed: 0, skipped: 0 };
  for (const r of records) totals[r.status]++;
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId: run.runId,
    startedAt: '2023-01-01T00:00:00.000Z',
    finishedAt: '2023-01-01T00:01:00.000Z',
    codeVersion: run.codeVersion ?? 'code-1',
    dataFingerprint: run.dataFingerprint ?? 'data-1',
    partitionBy: PARTITION_BY,
    shard: null,
    totals,
    partitions: records,
  };
  await writeFile(path.join(runDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return runDir;
}
