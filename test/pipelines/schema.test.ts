import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sharedFixture } from '../support/shared-fixture.ts';
import { pipelinesDir, repoRoot } from './expand.ts';

// The official Azure Pipelines schema (microsoft/azure-pipelines-vscode) ships beside the repository in CI, not
// in a fork: without it these tests skip and say why (and fail under CI).
const schemaPath =
  sharedFixture('schemas/azure-pipelines/service-schema.json', 'the Azure Pipelines schema tests') ?? '';
const hasSchema = schemaPath !== '';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

const files = yamlFiles(pipelinesDir);
const relative = (file: string) => path.relative(repoRoot, file);

/**
 * Azure DevOps reads every YAML scalar as a string and types it by where it stands, and the schema is written
 * that way (booleans are strings matching ^true$, while task inputs are typed). So: parse with the failsafe
 * schema (all strings) and let ajv coerce where the schema asks for a boolean or a number.
 */
const readAsAzureDevOps = (file: string): unknown =>
  parse(readFileSync(file, 'utf8'), { schema: 'failsafe' });

/** Templates validate against the schema's definition for their kind; pipelines against the whole schema. */
function definitionFor(file: string, doc: unknown): string {
  if (!relative(file).includes(`${path.sep}templates${path.sep}`)) return '';
  const keys = Object.keys(doc as object);
  const kind = ['stages', 'jobs', 'steps', 'variables'].find((k) => keys.includes(k));
  if (!kind) throw new Error(`${relative(file)}: a template needs stages, jobs, steps or variables`);
  return `#/definitions/${kind}Template`;
}

describe.skipIf(!hasSchema)('the pipelines against the official Azure Pipelines schema', () => {
  const SCHEMA_ID = 'azure-pipelines';
  let ajv: Ajv;
  const validatorFor = (definition: string): ValidateFunction => {
    const validate = ajv.getSchema(`${SCHEMA_ID}${definition}`);
    if (!validate) throw new Error(`no ${definition} in the schema`);
    return validate;
  };

  beforeAll(() => {
    // unicodeRegExp off: some of the schema's patterns use escapes that unicode mode rejects.
    ajv = new Ajv({ unicodeRegExp: false, strict: false, coerceTypes: true });
    ajv.addSchema(JSON.parse(readFileSync(schemaPath, 'utf8')), SCHEMA_ID);
  });

  it('finds both pipelines and their templates', () => {
    expect(files.map(relative).sort()).toEqual(
      expect.arrayContaining([
        '.azure-pipelines/infra.yml',
        '.azure-pipelines/ml.yml',
        '.azure-pipelines/templates/azure-login.yml',
        '.azure-pipelines/templates/pulumi.yml',
        '.azure-pipelines/templates/run-step.yml',
        '.azure-pipelines/templates/setup-node.yml',
        '.azure-pipelines/templates/setup-pulumi.yml',
        '.azure-pipelines/templates/variables.yml',
      ]),
    );
  });

  it.each(files.map((f) => [relative(f), f]))('%s is valid', (_name, file) => {
    const doc = readAsAzureDevOps(file);
    const validate = validatorFor(definitionFor(file, doc));
    const valid = validate(doc);
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    expect(valid, errors.slice(0, 15).join('\n')).toBe(true);
  });

  describe('the validator is not vacuous: it rejects', () => {
    type Doc = {
      stages: {
        stage: string;
        jobs: { strategy: { runOnce: { deploy: { steps: Record<string, unknown>[] } } } }[];
      }[];
    };
    const mlWith = (change: (doc: Doc) => void) => {
      const doc = readAsAzureDevOps(path.join(pipelinesDir, 'ml.yml')) as Doc;
      change(doc);
      return validatorFor('')(doc);
    };
    const promote = (doc: Doc) => doc.stages.find((s) => s.stage === 'EvaluateAndPromote')!;
    const promoteSteps = (doc: Doc) => promote(doc).jobs[0]!.strategy.runOnce.deploy.steps;

    it('the unchanged pipeline (control)', () => {
      expect(mlWith(() => {})).toBe(true);
    });

    it('a misspelled step property', () => {
      expect(mlWith((doc) => Object.assign(promoteSteps(doc).at(-1)!, { continueOnErorr: 'false' }))).toBe(
        false,
      );
    });

    it('a task input the task does not have', () => {
      const step = {
        task: 'PublishPipelineArtifact@1',
        inputs: { targetPath: 'x', artifactNmae: 'decisions' },
      };
      expect(mlWith((doc) => promoteSteps(doc).push(step))).toBe(false);
    });

    it('a task version that does not exist', () => {
      expect(mlWith((doc) => promoteSteps(doc).push({ task: 'PublishPipelineArtifact@9' }))).toBe(false);
    });

    it('a deployment job without a strategy key it knows', () => {
      expect(
        mlWith((doc) =>
          Object.assign(promote(doc).jobs[0]!, { strategy: { runTwice: { deploy: { steps: [] } } } }),
        ),
      ).toBe(false);
    });
  });
});
