import { parallelManifest } from '../compute/parallel-manifest.ts';
import { EXIT, StageError } from '../core/errors.ts';
import type { RunManifest } from '../engine/manifest.ts';
import { writeManifestFile } from '../engine/manifest-file.ts';
import { failedShareOf } from '../engine/merge.ts';
import { mergeRun } from '../engine/merge-run.ts';
import { registerRun } from '../engine/register.ts';
import { manifestFile, newRunId } from '../engine/run.ts';
import type { Shard } from '../engine/shard.ts';
import { registryFor } from '../registry/for-config.ts';
import type { StageContext, TrainOutcome } from './ports.ts';

export interface TrainStageOptions {
  /** Default: a new id. Shards of one run, `--resume` and `--merge` need it. */
  runId?: string;
  resume?: boolean;
  onlyFailed?: boolean;
  workers?: number;
  /** Train only this shard (what one of N nodes runs); its models are registered by the merge. */
  shard?: Shard;
  /** Merge the N shard manifests of `runId` instead of training. */
  merge?: number;
  /** Build `runId`'s manifest from the rows file the AML parallel step appended (append_row_to). */
  mergeRows?: string;
  /** Register the models in the dev registry (default true). */
  register?: boolean;
}

export interface TrainStageResult {
  runId: string;
  /** Null when the backend left the manifest in the lake (it then also registered and judged the run). */
  manifest: RunManifest | null;
  registered: number;
}

/**
 * Trains one model per partition on the context's compute, registers the run in the dev registry and applies the
 * run's failed-share bar (exit code 1 above `engine.maxFailedShare`).
 */
export async function trainStage(
  context: StageContext,
  options: TrainStageOptions = {},
): Promise<TrainStageResult> {
  const merging = options.merge !== undefined || options.mergeRows !== undefined;
  if ((options.resume || options.onlyFailed || merging) && !options.runId) {
    throw new StageError('--resume, --only-failed, --merge and --merge-rows need the run id (--run <id>)');
  }
  const runId = options.runId ?? newRunId();
  const outcome: TrainOutcome =
    options.mergeRows !== undefined
      ? await fromRows(context, runId, options.mergeRows)
      : options.merge !== undefined
        ? await merged(context, runId, options.merge)
        : await context.compute.train(context, {
            runId,
            resume: options.resume === true,
            onlyFailed: options.onlyFailed === true,
            ...(options.workers ? { workers: options.workers } : {}),
            ...(options.shard ? { shard: options.shard } : {}),
          });
  const { manifest } = outcome;
  if (!manifest) {
    context.output(`run ${runId}: trained on ${outcome.where}, merged and registered`);
    context.output(`manifest: ${outcome.manifestPath}`);
    return { runId, manifest: null, registered: 0 };
  }
  const { totals } = manifest;
  context.output(`run ${runId}: ${totals.ok} ok, ${totals.failed} failed, ${totals.skipped} skipped`);
  context.output(`manifest: ${outcome.manifestPath}`);
  let registered = 0;
  if (options.register !== false && !options.shard && !outcome.registered) {
    const versions = await registerRun(
      manifest,
      context.lake.layout.run(runId),
      registryFor(context.config, 'dev'),
      { abortSignal: context.abortSignal },
    );
    registered = versions.length;
    const kept = versions.filter((v) => v.tags['mm.run.id'] !== runId).length;
    context.output(
      `registered ${registered - kept} new model versions in the dev registry` +
        (kept > 0 ? `; ${kept} unchanged models kept their version` : ''),
    );
  }
  const failedShare = failedShareOf(manifest);
  const bar = context.config.engine.maxFailedShare;
  if (failedShare > bar) {
    throw new StageError(
      `${(failedShare * 100).toFixed(1)}% of partitions failed, above engine.maxFailedShare ` +
        `${(bar * 100).toFixed(1)}%; see ${outcome.manifestPath}`,
      EXIT.runFailed,
    );
  }
  return { runId, manifest, registered };
}

async function merged(context: StageContext, runId: string, count: number): Promise<TrainOutcome> {
  const manifest = await mergeRun(context.lake.layout.runs, runId, count);
  return {
    manifest,
    manifestPath: manifestFile(context.lake.layout.run(runId)),
    registered: false,
    where: `${count} shard manifests`,
  };
}

/** The AML parallel step wrote one row per partition; the merge step turns them into the run's manifest. */
async function fromRows(context: StageContext, runId: string, rowsFile: string): Promise<TrainOutcome> {
  const manifest = await parallelManifest({
    rowsFile,
    preparedDir: context.lake.layout.prepared,
    runId,
    startedAt: new Date().toISOString(),
  });
  const manifestPath = manifestFile(context.lake.layout.run(runId));
  await writeManifestFile(manifestPath, manifest);
  return { manifest, manifestPath, registered: false, where: 'the Azure ML parallel step' };
}
