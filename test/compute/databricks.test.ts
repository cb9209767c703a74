import { afterEach, describe, expect, it } from 'vitest';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { beginDatabricksStage } from '../../src/compute/databricks/jobs.ts';
import type { DatabricksSettings } from '../../src/compute/databricks/spec.ts';
import type { SparkStageRequest } from '../../src/compute/spark-job.ts';
import { SparkJobError, type SparkJobState } from '../../src/compute/spark-poller.ts';
import { type DatabricksJobsOptions, DatabricksJobsSimulator } from '../../twin/databricks/jobs-server.ts';

const settings = (workspaceUrl: string): DatabricksSettings => ({
  workspaceUrl,
  sparkVersion: '15.4.x-scala2.12',
  nodeType: 'Standard_D4ds_v5',
  workers: 4,
  runtimeVolume: '/Volumes/mm/runtime/files/0.1.0',
  lakeVolume: '/Volumes/mm/lake/lake',
  runAs: '11111111-2222-3333-4444-555555555555',
});
const train: SparkStageRequest = {
  stage: 'train',
  runId: '20261130T200000-abc123',
  config: 'configs/demo.yaml',
  env: 'dev',
};

let sim: DatabricksJobsSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function workspace(options: Partial<DatabricksJobsOptions> = {}) {
  sim = new DatabricksJobsSimulator({ tokens: ['pipeline-token'], ...options });
  const url = await sim.start();
  return {
    sim,
    target: {
      settings: settings(url),
      ca: sim.ca,
      credential: staticTokenCredential(options.tokens?.[0] ?? 'pipeline-token'),
      retryDelayMs: 10,
    },
  };
}

describe('Databricks submission (Jobs API 2.1 runs/submit + runs/get)', () => {
  it('given a train stage, when it is submitted and followed, then the run is a valid one-time run that installs Node from the runtime volume and succeeds', async () => {
    const { sim, target } = await workspace();
    const poller = await beginDatabricksStage(train, target, { intervalMs: 1 });
    const seen: string[] = [];
    poller.onProgress((s: SparkJobState) => seen.push(s.status));
    const final = await poller.pollUntilDone();

    expect(final.succeeded).toBe(true);
    expect(seen).toEqual(['RUNNING', 'TERMINATING', 'TERMINATED/SUCCESS']);
    expect(sim.requests.every((r) => r.status === 200)).toBe(true);
    const task = [...sim.runs.values()][0]!.submitted.tasks as {
      new_cluster: { init_scripts: unknown };
      spark_python_task: { python_file: string; parameters: string[] };
    }[];
    expect(task[0]!.new_cluster.init_scripts).toEqual([
      { volumes: { destination: '/Volumes/mm/runtime/files/0.1.0/install-mm.sh' } },
    ]);
    expect(task[0]!.spark_python_task.python_file).toBe('/opt/mm/app/pipelines/spark/mm_spark.py');
    const parameters = task[0]!.spark_python_task.parameters;
    expect(parameters.slice(0, 3)).toEqual(['train', '--run', train.runId]);
    expect(parameters.join(' ')).toContain(
      '--lake /Volumes/mm/lake/lake --node /opt/mm/node/bin/node --app-root /opt/mm/app',
    );
  });

  it('given a prepare stage with a bucket count, when it is submitted and followed, then the same job script runs its prepare stage on the lake volume with those buckets, as a run of its own', async () => {
    const { sim, target } = await workspace();
    await (await beginDatabricksStage(train, target, { intervalMs: 1 })).pollUntilDone();
    const prepare: SparkStageRequest = { ...train, stage: 'prepare', buckets: 64 };
    const final = await (await beginDatabricksStage(prepare, target, { intervalMs: 1 })).pollUntilDone();

    expect(final.succeeded).toBe(true);
    expect(sim.runs.size).toBe(2);
    const submitted = [...sim.runs.values()][1]!.submitted as {
      run_name: string;
      tasks: { task_key: string; spark_python_task: { python_file: string; parameters: string[] } }[];
    };
    expect(submitted.run_name).toBe(`mm-prepare-${train.runId}`);
    const task = submitted.tasks[0]!;
    expect(task.task_key).toBe('prepare');
    expect(task.spark_python_task.python_file).toBe('/opt/mm/app/pipelines/spark/mm_spark.py');
    expect(task.spark_python_task.parameters.slice(0, 3)).toEqual(['prepare', '--run', train.runId]);
    expect(task.spark_python_task.parameters.join(' ')).toMatch(
      /--lake \/Volumes\/mm\/lake\/lake .*--buckets 64$/,
    );
  });

  it('given a pipeline step retried after submitting, when the same run id is submitted again, then Databricks returns the first run instead of starting a second', async () => {
    const { sim, target } = await workspace();
    const first = await beginDatabricksStage(train, target, { intervalMs: 1 });
    const again = await beginDatabricksStage(train, target, { intervalMs: 1 });
    expect(again.getOperationState().id).toBe(first.getOperationState().id);
    expect(sim.runs.size).toBe(1);
    const score = await beginDatabricksStage({ ...train, stage: 'score' }, target, { intervalMs: 1 });
    expect(score.getOperationState().id).not.toBe(first.getOperationState().id);
  });

  it('given a task that fails, when followed, then the error names the run, its final state, the reason and where the logs are', async () => {
    const { target } = await workspace({
      execute: async () => ({
        result: 'FAILED',
        message: 'Task train failed: exit code 3 (engine.maxFailedShare passed)',
      }),
    });
    const poller = await beginDatabricksStage(train, target, { intervalMs: 1 });
    const error = await poller.pollUntilDone().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SparkJobError);
    expect((error as Error).message).toMatch(
      /Spark job 1000 ended TERMINATED\/FAILED: Task train failed: exit code 3/,
    );
    expect((error as Error).message).toMatch(/logs: https:\/\/127\.0\.0\.1:\d+\/#job\/runs\/1000/);
  });

  it('given an identity that may not create clusters, when it submits, then the error says which permission is missing', async () => {
    const { target } = await workspace({ tokens: ['reader-token'], canCreateClusters: [] });
    const error = await beginDatabricksStage(train, target).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /HTTP 403: permission missing: .*cluster creation.*PERMISSION_DENIED/,
    );
  });

  it('given a throttled workspace, when the stage is submitted, then the client waits out Retry-After and the submission succeeds once', async () => {
    const { sim, target } = await workspace({ throttle: { requests: 2, retryAfter: 0 } });
    const poller = await beginDatabricksStage(train, target, { intervalMs: 1 });
    await poller.pollUntilDone();
    expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(sim.runs.size).toBe(1);
  });

  it('given a token the workspace does not accept, when submitting, then the error says to sign in', async () => {
    const { target } = await workspace();
    const error = await beginDatabricksStage(train, {
      ...target,
      credential: staticTokenCredential('stale'),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/HTTP 401: not signed in or token rejected/);
  });
});
