import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executedStages, executedSteps } from './execution.ts';
import { expandPipeline, type Job, pipelinesDir, type Stage, stepsOf } from './expand.ts';

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
const environmentOf = (job: Job) =>
  typeof job.environment === 'string' ? job.environment : (job.environment as { name?: string })?.name;

// The gate's config is written from the step's own environment: a bash default, not a JavaScript template.
const WRITE_POLICY_CONFIG =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell expands ${config_env:-prod}, not JavaScript
  'node infra/scripts/write-policy-config.ts --config configs/demo.yaml --env "${config_env:-prod}" --out "$(Agent.TempDirectory)/policy-config.prod.json"';

describe('ml.yml', () => {
  it('runs Prepare, Train, EvaluateAndPromote, Score, each after the one before', () => {
    expect(ml.stages.map((s) => s.stage)).toEqual(['Prepare', 'Train', 'EvaluateAndPromote', 'Score']);
    expect(Object.fromEntries(ml.stages.map((s) => [s.stage, s.dependsOn ?? null]))).toEqual({
      Prepare: null,
      Train: 'Prepare',
      EvaluateAndPromote: 'Train',
      Score: 'EvaluateAndPromote',
    });
    expect(executedStages(ml, scheduled).map((s) => s.stage)).toEqual([
      'Prepare',
      'Train',
      'EvaluateAndPromote',
      'Score',
    ]);
  });

  it('calls one step script per stage, with the dataset config, the environment and the run id', () => {
    expect(stepCommands()).toEqual([
      { stage: 'Prepare', command: 'node steps/prepare.ts --config $(datasetConfig) --env $(environment)' },
      {
        stage: 'Train',
        command:
          'node steps/train.ts --config $(datasetConfig) --env $(environment) --run $(runId) --shards $(shardCount)',
      },
      {
        stage: 'EvaluateAndPromote',
        command: WRITE_POLICY_CONFIG,
      },
      {
        stage: 'EvaluateAndPromote',
        command:
          'node steps/evaluate-and-promote.ts --config $(datasetConfig) --env $(environment) --run $(runId)',
      },
      {
        stage: 'EvaluateAndPromote',
        command:
          'node .azure-pipelines/scripts/publish-decisions.ts --config $(datasetConfig) --env $(environment) ' +
          '--run $(runId) --out $(Build.ArtifactStagingDirectory)/decisions',
      },
      {
        stage: 'Score',
        command: 'node steps/score.ts --config $(datasetConfig) --env $(environment) --run $(runId)',
      },
    ]);
    expect(ml.variables.runId).toBe('ado-$(Build.BuildId)');
  });

  it('gives the promotion gate the thresholds the step reads: the same dataset config and environment', () => {
    for (const params of [{}, { datasetConfig: 'configs/oj-sales.yaml', environment: 'prod' }] as const) {
      const pipeline = expandPipeline(file, params);
      const promote = executedSteps(pipeline, scheduled).filter((s) => s.stage === 'EvaluateAndPromote');
      const lines = promote.flatMap((s) => s.commands);
      const config = 'datasetConfig' in params ? params.datasetConfig : 'configs/demo.yaml';
      const env = 'environment' in params ? params.environment : 'dev';
      expect(lines).toContain(`config_env="${env}"`);
      expect(lines.find((l) => l.startsWith('node infra/scripts/write-policy-config.ts'))).toContain(
        `--config ${config}`,
      );
      const preview = lines.find((l) => l.startsWith('pulumi preview'))!;
      expect(preview).toContain('--policy-pack-config "$(Agent.TempDirectory)/policy-config.prod.json"');
    }
  });

  it('resumes the same training run when failed jobs are rerun', () => {
    const rerun = stepCommands(ml, { 'System.JobAttempt': '2' }).filter((c) => c.stage === 'Train');
    expect(rerun.map((c) => c.command)).toEqual([
      'node steps/train.ts --config $(datasetConfig) --env $(environment) --run $(runId) --shards $(shardCount) --resume',
    ]);
  });

  it('takes the dataset config, environment, shard count and dry run as run parameters', () => {
    expect(ml.parameters).toEqual({
      datasetConfig: 'configs/demo.yaml',
      environment: 'dev',
      shardCount: 4,
      dryRun: false,
    });
    const picked = expandPipeline(file, {
      datasetConfig: 'configs/oj-sales.yaml',
      environment: 'prod',
      shardCount: 16,
    });
    expect(picked.variables).toMatchObject({
      datasetConfig: 'configs/oj-sales.yaml',
      environment: 'prod',
      shardCount: '16',
      dryRun: 'False',
    });
    expect(() => expandPipeline(file, { environment: 'staging' })).toThrow(/'staging', not one of dev, prod/);
    expect(() => expandPipeline(file, { shardCount: 'four' })).toThrow(/'shardCount' must be a number/);
  });

  it('in a dry run evaluates with --dry-run, publishes no decisions and does not score', () => {
    const dry = expandPipeline(file, { dryRun: true });
    expect(executedStages(dry, scheduled).map((s) => s.stage)).toEqual([
      'Prepare',
      'Train',
      'EvaluateAndPromote',
    ]);
    const promote = stepCommands(dry).filter((c) => c.stage === 'EvaluateAndPromote');
    expect(promote.map((c) => c.command)).toEqual([
      WRITE_POLICY_CONFIG,
      'node steps/evaluate-and-promote.ts --config $(datasetConfig) --env $(environment) --run $(runId) --dry-run',
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

  it('gates promotion on the policy pack: a preview of the prod stack runs first', () => {
    const steps = executedSteps(ml, scheduled).filter((s) => s.stage === 'EvaluateAndPromote');
    const preview = steps.findIndex((s) => s.commands.some((c) => c.startsWith('pulumi preview')));
    const promote = steps.findIndex((s) =>
      s.commands.some((c) => c.includes('steps/evaluate-and-promote.ts')),
    );
    expect(preview).toBeGreaterThanOrEqual(0);
    expect(preview).toBeLessThan(promote);
    const command = steps[preview]!.commands.find((c) => c.startsWith('pulumi preview'))!;
    expect(command).toContain('--stack prod');
    expect(command).toMatch(/--policy-pack "\$\(Build\.SourcesDirectory\)\/infra\/policy"/);
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

  it('signs in with the least-privileged identity per stage; only EvaluateAndPromote uses the promotion one', () => {
    const identities = (name: string) => [
      ...new Set(
        stage(name)
          .jobs.flatMap(stepsOf)
          .filter((s) => s.task === 'AzureCLI@2')
          .map((s) => (s.inputs as { azureSubscription: string }).azureSubscription),
      ),
    ];
    expect(identities('Prepare')).toEqual([ml.variables.serviceConnectionMlDev]);
    expect(identities('Train')).toEqual([ml.variables.serviceConnectionMlDev]);
    expect(identities('EvaluateAndPromote')).toEqual([ml.variables.serviceConnectionPromotion]);
    expect(identities('Score')).toEqual([ml.variables.serviceConnectionMlProd]);
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
    for (const s of ml.stages.slice(1)) expect(s.dependsOn, s.stage).toEqual(expect.any(String));
  });
});
