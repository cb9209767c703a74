import { afterEach, describe, expect, it } from 'vitest';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import type { SparkStageRequest } from '../../src/compute/spark-job.ts';
import { SparkJobError, type SparkJobState } from '../../src/compute/spark-poller.ts';
import { beginSynapseStage } from '../../src/compute/synapse-spark/batches.ts';
import type { SynapseSparkSettings } from '../../src/compute/synapse-spark/spec.ts';
import {
  type SynapseBatchesOptions,
  SynapseBatchesSimulator,
} from '../../twin/synapse-spark/batches-server.ts';

const settings = (endpoint: string, sparkPool = 'mmspark'): SynapseSparkSettings => ({
  endpoint,
  sparkPool,
  lakeUrl: 'abfss://lake@mmdevlake.dfs.core.windows.net',
  runtimeUrl: 'abfss://lake@mmdevlake.dfs.core.windows.net/runtime/0.1.0',
  executors: 3,
});
const score: SparkStageRequest = {
  stage: 'score',
  runId: '20261130T200000-def456',
  config: 'configs/demo.yaml',
  env: 'dev',
  futurePath: '/synfs/lake/raw/demo.future.parquet',
};

let sim: SynapseBatchesSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function workspace(options: Partial<SynapseBatchesOptions> = {}, pool?: string) {
  sim = new SynapseBatchesSimulator({ tokens: ['pipeline-token'], pools: ['mmspark'], ...options });
  const url = await sim.start();
  return {
    sim,
    target: {
      settings: settings(url, pool),
      ca: sim.ca,
      credential: staticTokenCredential(options.tokens?.[0] ?? 'pipeline-token'),
      retryDelayMs: 10,
    },
  };
}

describe('Synapse Spark submission (Livy batch API, sparkJob.json 2019-11-01-preview)', () => {
  it('given a score stage, when it is submitted and followed, then the batch ships Node and the app as an archive, mounts the lake and succeeds', async () => {
    const { sim, target } = await workspace();
    const poller = await beginSynapseStage(score, target, { intervalMs: 1 });
    const seen: string[] = [];
    poller.onProgress((s: SparkJobState) => seen.push(s.status));
    const final = await poller.pollUntilDone();

    expect(final.succeeded).toBe(true);
    expect(seen).toEqual(['starting', 'running', 'success/Succeeded']);
    expect(sim.requests.every((r) => r.status === 200)).toBe(true);
    const body = [...sim.batches.values()][0]!.submitted;
    expect(body.file).toBe('abfss://lake@mmdevlake.dfs.core.windows.net/runtime/0.1.0/mm_spark.py');
    expect(body.archives).toEqual([
      'abfss://lake@mmdevlake.dfs.core.windows.net/runtime/0.1.0/mm-spark-app.tar.gz#mm',
    ]);
    expect((body.args as string[]).join(' ')).toBe(
      `score --run ${score.runId} --config configs/demo.yaml --env dev --mount abfss://lake@mmdevlake.dfs.core.windows.net ` +
        '--node ./mm/node/bin/node --app-root ./mm/app --future /synfs/lake/raw/demo.future.parquet',
    );
    expect(body.numExecutors).toBe(3);
  });

  it('given a job whose driver exits non-zero, when followed, then the error names the batch, its state and the service error', async () => {
    const { target } = await workspace({
      execute: async () => ({ result: 'Failed', message: 'mm_spark exited with code 3' }),
    });
    const poller = await beginSynapseStage(score, target, { intervalMs: 1 });
    const error = await poller.pollUntilDone().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SparkJobError);
    expect((error as Error).message).toMatch(
      /Spark job 1 ended dead\/Failed: SPARK_JOB_FAILED: mm_spark exited with code 3/,
    );
  });

  it('given an identity without Synapse Compute Operator, when it submits, then the error names the Synapse roles', async () => {
    const { target } = await workspace({ computeOperators: [] });
    const error = await beginSynapseStage(score, target).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /HTTP 403: permission missing: Synapse RBAC 'Synapse Compute Operator'/,
    );
  });

  it('given a pool name the workspace does not have, when submitting, then the error names the pool', async () => {
    const { target } = await workspace({}, 'nopool');
    const error = await beginSynapseStage(score, target).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /Synapse pool nopool .*HTTP 404: SparkPoolNotFound: Spark pool nopool not found/,
    );
  });
});
