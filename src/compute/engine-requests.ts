import path from 'node:path';
import { z } from 'zod';
import { effectiveStorage } from '../azure/cluster.ts';
import { loadConfig } from '../config/load.ts';
import type { PartitionRecord } from '../engine/manifest.ts';
import { trainAndReadManifest } from '../engine/run.ts';
import { type ScoredPartition, scoreRun } from '../scoring/score.ts';
import { scoredBucket, scoredBucketFile } from './scored-bucket.ts';

/**
 * The engine host protocol's requests (see docs/azure.md, "The engine host"): one JSON line each. `workers` is an
 * optional extra: a node running M host processes gives each cores/M threads instead of every host taking all.
 */
const common = {
  id: z.string().min(1),
  config: z.string().min(1),
  env: z.string().min(1),
  runId: z.string().min(1),
  preparedDir: z.string().min(1),
  buckets: z.array(z.number().int().min(0)).min(1),
  outDir: z.string().min(1),
  workers: z.number().int().min(1).optional(),
};

export const engineRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('train'), ...common }),
  z.strictObject({
    op: z.literal('score'),
    ...common,
    modelsDir: z.string().min(1).optional(),
    futurePath: z.string().min(1).optional(),
  }),
]);

export type EngineRequest = z.infer<typeof engineRequestSchema>;

export type EngineAnswer =
  | { id: string; ok: true; rows: PartitionRecord[] | ScoredPartition[] }
  | { id: string; ok: false; error: { class: string; message: string } };

export interface HandleOptions {
  /** Folder that holds `environments/` (the repo or app root). */
  projectRoot: string;
}

/**
 * Runs one request. Train: the buckets' partitions into `outDir` (artifacts and a `.buckets-…` journal and
 * manifest there; a repeated request resumes, so a retried mini-batch retrains only what is missing). Score: the
 * buckets' partitions into `<outDir>/run_id=<runId>/predictions.buckets-….parquet`, the lake's predictions layout,
 * unless that file is already there: then its rows are read back, so a rerun scores only what is missing.
 */
export async function handleRequest(
  request: EngineRequest,
  options: HandleOptions,
): Promise<PartitionRecord[] | ScoredPartition[]> {
  const loaded = loadConfig({
    configPath: request.config,
    env: request.env,
    projectRoot: options.projectRoot,
  });
  // As for every step of a job: where the lake is mounted (MM_LAKE_ROOT), it is a local folder.
  const config = { ...loaded, storage: effectiveStorage(loaded.storage) };
  const workers = request.workers === undefined ? {} : { workers: request.workers };
  if (request.op === 'train') {
    const result = await trainAndReadManifest({
      config,
      preparedDir: request.preparedDir,
      runsDir: path.dirname(request.outDir),
      runDir: request.outDir,
      runId: request.runId,
      buckets: request.buckets,
      resume: true,
      ...workers,
    });
    return result.manifest.partitions;
  }
  // A bucket scored before under this run id (a resubmitted pipeline, a retried mini-batch) is answered from its file.
  const done = await scoredBucket(scoredBucketFile(request.outDir, request.runId, request.buckets), {
    partitionBy: config.dataset.partitionBy,
    time: config.dataset.time,
  });
  if (done) return done;
  const result = await scoreRun({
    config,
    preparedDir: request.preparedDir,
    predictionsDir: request.outDir,
    runId: request.runId,
    buckets: request.buckets,
    ...(request.modelsDir ? { modelsDir: request.modelsDir } : {}),
    ...(request.futurePath ? { futurePath: request.futurePath } : {}),
    ...workers,
  });
  return result.perPartition;
}

/** Parses a line and runs it; never throws: whatever goes wrong becomes an `ok: false` answer. */
export async function answerLine(line: string, options: HandleOptions): Promise<EngineAnswer> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    return {
      id: '',
      ok: false,
      error: { class: 'ProtocolError', message: `not JSON: ${(error as Error).message}` },
    };
  }
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '';
  const parsed = engineRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`);
    return { id, ok: false, error: { class: 'ProtocolError', message: issues.join('; ') } };
  }
  try {
    return { id, ok: true, rows: await handleRequest(parsed.data, options) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { id, ok: false, error: { class: e.name || 'Error', message: e.message } };
  }
}
