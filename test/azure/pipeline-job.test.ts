import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { componentSpecOf, toPipelineJobBody } from '../../src/azure/pipeline-job.ts';
import { loadPipelineSpec, withParallelKnobs } from '../../src/compute/aml-parallel-spec.ts';
import { parallelSchema } from '../../src/config/schema.ts';
import { venvPython } from '../pipelines/python.ts';

const python = venvPython();
const pipelines = path.resolve(import.meta.dirname, '../../pipelines');
const ref = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'mm-dev-rg',
  workspace: 'mm-dev-mlw',
};
// biome-ignore lint/suspicious/noExplicitAny: JSON of two REST bodies, walked and compared whole
type Json = Record<string, any>;

/** azure-ai-ml's REST conversion of the YAML: Microsoft's own reading of what the service receives. */
function microsofts(file: string): Json {
  const result = spawnSync(python!, [path.join(import.meta.dirname, 'aml-rest-object.py'), file], {
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Json;
}

describe.skipIf(!python)(
  "the pipeline job body sent to ARM, against azure-ai-ml's own REST conversion of the same YAML",
  () => {
    for (const name of ['train-pipeline.yml', 'score-pipeline.yml']) {
      it(`${name}: every node, its component and the pipeline inputs match, code and environment resolved to ARM ids`, () => {
        // The spec as submitted: knobs, the pinned environment and the nodes' identity on every step.
        const copy = path.join(mkdtempSync(path.join(tmpdir(), 'mm-submitted-')), 'pipelines');
        cpSync(pipelines, copy, { recursive: true });
        const file = path.join(copy, name);
        const spec = withParallelKnobs(loadPipelineSpec(file), {
          ...parallelSchema.parse({ processesPerNode: 3 }),
          instanceCount: 5,
          cluster: 'cpu-cluster',
          environment: 'azureml:mm-runtime:i0123456789ab',
          environmentVariables: { AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555' },
        });
        writeFileSync(file, stringify(spec));
        const theirs = microsofts(file).properties as Json;
        const componentIds = Object.fromEntries(
          Object.keys(spec.jobs).map((s) => [s, `/components/mm_${s}/versions/1`]),
        );
        const ours = toPipelineJobBody(spec, ref, { componentIds, inputs: {}, compute: 'cpu-cluster' })
          .properties as unknown as Json;
        expect(ours.jobType).toBe(theirs.jobType);
        expect(ours.inputs).toEqual(theirs.inputs);
        expect(ours.settings.continue_on_step_failure).toBe(theirs.settings.continue_on_step_failure);
        expect(ours.settings.default_compute).toMatch(/\/computes\/cpu-cluster$/);
        expect(Object.keys(ours.jobs)).toEqual(Object.keys(theirs.jobs));
        for (const [step, node] of Object.entries(theirs.jobs as Record<string, Json>)) {
          const { componentId, _source, ...rest } = node;
          const mine = { ...(ours.jobs[step] as Json) };
          expect(mine.componentId).toBe(componentIds[step]);
          delete mine.componentId;
          // azure-ai-ml holds the local code folder here until it uploads it; ours is the uploaded code's ARM id.
          const noCode = (n: Json) => (n.task ? { ...n, task: { ...n.task, code: undefined } } : n);
          expect(noCode(mine), step).toEqual(noCode(rest));
          expect(mine.environment_variables, step).toEqual({
            AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
          });
          // The anonymous component azure-ai-ml would register, from its YAML form.
          const component = parse(componentId as string) as Json;
          const mineComponent = componentSpecOf(spec, step, {
            codeId: '/codes/x/versions/1',
            environmentId: '/environments/e/versions/1',
            version: '1',
          });
          const strip = (c: Json) => {
            const { name: _n, version: _v, environment: _e, task, ...other } = c;
            return {
              ...other,
              ...(task ? { task: { ...task, code: undefined, environment: undefined } } : {}),
            };
          };
          expect(strip(mineComponent), step).toEqual(strip(component));
          if (node.type === 'parallel') expect((mineComponent.task as Json).code).toBe('/codes/x/versions/1');
        }
      }, 120_000);
    }
  },
);
