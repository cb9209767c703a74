import path from 'node:path';
import type { RunManifest } from '../engine/manifest.ts';
import { readManifest } from '../engine/run.ts';
import type { StageContext } from '../stages/ports.ts';

/**
 * The run a backend wrote into the lake (an Azure ML pipeline job, a Spark job), brought to the stage's working
 * folder, and its manifest: what the train stage registers and judges, whichever backend trained.
 */
export async function pullRunManifest(
  context: StageContext,
  runId: string,
): Promise<{ manifest: RunManifest; manifestPath: string }> {
  await context.lake.pull([`runs/${runId}`], context.abortSignal ? { abortSignal: context.abortSignal } : {});
  const manifestPath = path.join(context.lake.layout.run(runId), 'manifest.json');
  return { manifest: await readManifest(manifestPath), manifestPath };
}
