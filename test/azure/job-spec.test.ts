// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{inputs.x}} and ${NODE_RANK} are AML and shell syntax, not templates.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJobSpec, parseJobSpec, toCommandJobBody } from '../../src/azure/job-spec.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { conforms, loadExchange, missingRequired } from '../../twin/aml/spec-check.ts';
import { DEV } from './aml-fixture.ts';

const PIPELINES = path.resolve(import.meta.dirname, '../../pipelines');
const exchange = loadExchange('Jobs_CreateOrUpdate');
const ENV_ID = `/subscriptions/${DEV.subscriptionId}/resourceGroups/mm-dev-rg/providers/Microsoft.MachineLearningServices/workspaces/mm-dev-mlw/environments/mm-runtime/versions/i0123456789ab`;

describe('pipelines/*.yml (AML CLI v2 command jobs)', () => {
  it.each(['train.yml', 'train-merge.yml', 'score.yml'])(
    '%s becomes a Jobs_CreateOrUpdate body the spec accepts',
    (file) => {
      const spec = loadJobSpec(path.join(PIPELINES, file));
      const body = JSON.parse(JSON.stringify(toCommandJobBody(spec, DEV, { environmentId: ENV_ID })));
      expect(conforms(body, exchange.requestBody, exchange.variants as Record<string, unknown>)).toEqual([]);
      expect(missingRequired(body, exchange.required)).toEqual([]);
      expect(body.properties.computeId).toBe(
        `/subscriptions/${DEV.subscriptionId}/resourceGroups/mm-dev-rg/providers/Microsoft.MachineLearningServices/workspaces/mm-dev-mlw/computes/cpu-cluster`,
      );
      // The lake is mounted read-write and handed to the steps as a folder.
      expect(body.properties.outputs.lake).toEqual({
        jobOutputType: 'uri_folder',
        uri: 'azureml://datastores/mm_lake/paths/',
        mode: 'ReadWriteMount',
      });
      expect(spec.command).toContain('MM_LAKE_ROOT=${{outputs.lake}}');
      expect(spec.command).toMatch(/node src\/cli\/main\.ts (train|score) /);
    },
  );

  it('train runs one shard per node: N instances, the PyTorch launcher for NODE_RANK/WORLD_SIZE, --shard from them', () => {
    const spec = loadJobSpec(path.join(PIPELINES, 'train.yml'));
    const body = toCommandJobBody(spec, DEV, {
      environmentId: ENV_ID,
      instanceCount: 8,
      inputs: { run_id: 'r-42' },
    });
    const p = body.properties as unknown as Record<string, Record<string, unknown>>;
    expect(p.resources).toEqual({ instanceCount: 8 });
    expect(p.distribution).toEqual({ distributionType: 'PyTorch', processCountPerInstance: 1 });
    expect(p.inputs?.run_id).toEqual({ jobInputType: 'literal', value: 'r-42' });
    expect(p.limits).toEqual({ jobLimitsType: 'Command', timeout: 'PT21600S' });
    expect(spec.command).toContain('--shard "${NODE_RANK:-0}/${WORLD_SIZE:-1}"');
    expect(spec.command).toContain('--run ${{inputs.run_id}}');
  });

  it('refuses an environment that is not pinned: @latest is whatever was registered last (defect 1)', () => {
    expect(() =>
      parseJobSpec({ ...baseSpec(), environment: 'azureml:mm-runtime@latest' }, 'pipelines/x.yml'),
    ).toThrow(/environment: environment is pinned: 'azureml:<name>:<version>', never '@latest'/);
    const pinned = parseJobSpec({ ...baseSpec(), environment: 'azureml:mm-runtime:7' }, 'pipelines/x.yml');
    expect((toCommandJobBody(pinned, DEV).properties as { environmentId: string }).environmentId).toMatch(
      /\/environments\/mm-runtime\/versions\/7$/,
    );
  });

  it.each(['train.yml', 'train-merge.yml', 'score.yml'])(
    '%s names no environment version of its own: submission sets the one registered from compute.image',
    (file) => {
      const spec = loadJobSpec(path.join(PIPELINES, file));
      expect(spec.environment).toBeUndefined();
      expect(() => toCommandJobBody(spec, DEV)).toThrow(/set compute.image in environments\/<env>.yaml/);
    },
  );

  it('refuses an unknown key with the file and key named', () => {
    expect(() => parseJobSpec({ ...baseSpec(), instance_count: 3 }, 'pipelines/x.yml')).toThrow(
      /invalid configuration in pipelines\/x\.yml:\n {2}- \(root\): unknown key\(s\) 'instance_count'/,
    );
  });

  it('refuses a command that uses an input the job does not declare', () => {
    const error = (() => {
      try {
        parseJobSpec({ ...baseSpec(), command: 'mm train --run ${{inputs.run}}' }, 'pipelines/x.yml');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues).toEqual(["command: uses ${{inputs.run}} but inputs has no 'run'"]);
  });

  it('needs a pinned environment or an image-derived one, and says how to get one', () => {
    const spec = parseJobSpec(baseSpec(), 'x.yml');
    expect(() => toCommandJobBody(spec, DEV)).toThrow('set compute.image in environments/<env>.yaml');
    const pinned = parseJobSpec({ ...baseSpec(), environment: 'azureml:mm-runtime:7' }, 'x.yml');
    expect(toCommandJobBody(pinned, DEV).properties).toMatchObject({
      environmentId: expect.stringMatching(/\/environments\/mm-runtime\/versions\/7$/),
    });
  });

  it('refuses to override an input the spec does not declare', () => {
    const spec = parseJobSpec(baseSpec(), 'x.yml');
    expect(() => toCommandJobBody(spec, DEV, { environmentId: ENV_ID, inputs: { nope: '1' } })).toThrow(
      "the job spec declares no input 'nope'",
    );
  });
});

function baseSpec() {
  return {
    type: 'command',
    command: 'echo ${{inputs.run_id}}',
    compute: 'azureml:cpu-cluster',
    inputs: { run_id: 'manual' },
  };
}
