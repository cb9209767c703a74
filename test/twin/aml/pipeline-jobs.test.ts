import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armId, callOptions, createAmlClient } from '../../../src/azure/aml-client.ts';
import { armPut } from '../../../src/azure/arm-raw.ts';
import { ensureEnvironment } from '../../../src/azure/environment-version.ts';
import { armPipelineService, toPipelineJobBody } from '../../../src/azure/pipeline-job.ts';
import { loadPipelineSpec, withParallelKnobs } from '../../../src/compute/aml-parallel-spec.ts';
import { parallelSchema } from '../../../src/config/schema.ts';
import { AzureBlobStore } from '../../../src/storage/azure-blob-store.ts';
import { startTwin, type Twin } from '../../../twin/index.ts';
import { twinCredential } from '../../../twin/storage/lakes.ts';

// What the aml engine submits for Train (src/azure/pipeline-job.ts: code version, one component version per step,
// the pipeline job), sent by the product's own client as the dev training identity to the twin's Resource
// Manager, which checks every body against the REST specification's examples (CodeVersion, ComponentVersion,
// PipelineJob createOrUpdate, api-version 2022-10-01) and the caller's roles against infra/access-plan.ts.
const repo = path.resolve(import.meta.dirname, '../../..');
let twin: Twin;

beforeAll(async () => {
  twin = await startTwin({ appRoot: repo, throttle: false });
});
afterAll(async () => {
  await twin?.stop();
});

function trainingService() {
  const names = twin.estate.names.dev;
  const credential = twinCredential(twin.issuer, twin.estate.principal('dev/training'));
  const target = {
    workspace: {
      subscriptionId: twin.estate.subscriptionId,
      resourceGroup: names.resourceGroup,
      workspace: names.workspace,
    },
    endpoint: twin.arm.endpoint,
    credential,
    budget: false as const,
    maxRetries: 0,
  };
  const lake = new AzureBlobStore({
    accountUrl: twin.lakes.accountUrl('dev'),
    container: 'lake',
    credential,
    maxTries: 1,
  });
  return { target, lake, lakeUrl: `https://${names.lake}.blob.core.windows.net/lake` };
}

describe('the twin’s Resource Manager, given the aml engine’s training pipeline', () => {
  it('accepts the code, component and pipeline job versions exactly as the REST spec has them, and refuses a reused job name', async () => {
    const { target, lake, lakeUrl } = trainingService();
    const environmentId = await ensureEnvironment({
      ...target,
      image: 'mmdevacr.azurecr.io/mm-runtime:abc123',
    });
    const service = armPipelineService({ ...target, lake, lakeUrl, environmentId, compute: 'cpu-cluster' });
    const specFile = path.join(repo, 'pipelines/train-pipeline.yml');
    const spec = withParallelKnobs(loadPipelineSpec(specFile), {
      ...parallelSchema.parse({}),
      instanceCount: 2,
      cluster: 'cpu-cluster',
      ...(service.environment ? { environment: service.environment } : {}),
    });
    const job = {
      name: 'mm-train-twin-1',
      spec,
      specFile,
      inputs: { config: 'configs/demo.yaml', env: 'dev', run_id: 'twin-1' },
    };
    await service.submit(job);
    expect(twin.arm.problems).toEqual([]);
    expect(
      [...twin.jobs.components.keys()].map((k) => k.split('/components/')[1]?.split('/')[0]).sort(),
    ).toEqual(['mm_merge_register', 'mm_train_buckets']);
    const [code] = [...twin.jobs.codes.values()];
    expect(String(code?.codeUri)).toMatch(
      /^https:\/\/mmdevlake\.blob\.core\.windows\.net\/lake\/code\/[0-9a-f]{16}$/,
    );
    // Jobs_Get knows the job (it now runs on this host: twin/aml/parallel/arm-pipeline.ts).
    expect(await service.status(job.name)).toBeDefined();
    await expect(service.submit(job)).rejects.toThrow(/exists|Conflict|409/);
    expect(twin.arm.calls('Jobs_CreateOrUpdate').map((c) => c.status)).toEqual([201, 409]);
  });

  it('refuses a pipeline job whose step names a component version the workspace does not have', async () => {
    const { target } = trainingService();
    const ref = target.workspace;
    const specFile = path.join(repo, 'pipelines/train-pipeline.yml');
    const spec = loadPipelineSpec(specFile);
    const missing = (step: string) => armId(ref, 'components', `mm_${step}`, 'versions', 'never-registered');
    const body = toPipelineJobBody(spec, ref, {
      componentIds: { train_buckets: missing('train_buckets'), merge_register: missing('merge_register') },
      inputs: { run_id: 'twin-2' },
      compute: 'cpu-cluster',
    });
    await expect(
      armPut(
        createAmlClient(ref.subscriptionId, target),
        armId(ref, 'jobs', 'mm-train-twin-2'),
        body,
        callOptions(target),
      ),
    ).rejects.toThrow(/component .* does not exist/);
  });
});
