import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executedStages, executedSteps } from './execution.ts';
import { expandPipeline, type Job, pipelinesDir, readYaml } from './expand.ts';

const infra = expandPipeline(path.join(pipelinesDir, 'infra.yml'));

const PULL_REQUEST = { 'Build.Reason': 'PullRequest', 'Build.SourceBranch': 'refs/pull/42/merge' };
const MERGE_TO_MAIN = { 'Build.Reason': 'IndividualCI', 'Build.SourceBranch': 'refs/heads/main' };
const MANUAL_ON_BRANCH = { 'Build.Reason': 'Manual', 'Build.SourceBranch': 'refs/heads/feature/x' };
const SCHEDULE = { 'Build.Reason': 'Schedule', 'Build.SourceBranch': 'refs/heads/main' };

const commands = (variables: Record<string, string>) =>
  executedSteps(infra, variables).flatMap((s) => s.commands.map((command) => ({ stage: s.stage, command })));
const pulumiCommands = (variables: Record<string, string>) =>
  commands(variables)
    .filter((c) => /^pulumi (preview|up|refresh)\b/.test(c.command))
    .map((c) => ({
      stage: c.stage,
      command: c.command
        .replace(/ --policy-pack "[^"]+"/, ' --policy-pack <pack>')
        .replace(/ --policy-pack-config "[^"]+"/, ' --policy-pack-config <config>'),
    }));
const environmentOf = (job: Job) =>
  typeof job.environment === 'string' ? job.environment : (job.environment as { name?: string })?.name;

describe('infra.yml', () => {
  const base = '--policy-pack <pack> --policy-pack-config <config> --non-interactive --diff';

  it('has the stages Validate, Preview, Drift, DeployDev, PlanProd, DeployProd wired by dependsOn', () => {
    expect(infra.stages.map((s) => [s.stage, s.dependsOn ?? null])).toEqual([
      ['Validate', null],
      ['Preview', 'Validate'],
      ['Drift', []],
      ['DeployDev', 'Validate'],
      ['PlanProd', 'DeployDev'],
      ['DeployProd', 'PlanProd'],
    ]);
  });

  it('on a pull request installs, typechecks, tests, then previews dev and prod with the policy pack', () => {
    expect(executedStages(infra, PULL_REQUEST).map((s) => s.stage)).toEqual(['Validate', 'Preview']);
    const validate = commands(PULL_REQUEST)
      .filter((c) => c.stage === 'Validate')
      .map((c) => c.command.split(' ').slice(0, 3).join(' '));
    expect(validate).toEqual(['npm ci --no-audit', 'npm run typecheck', 'npm run lint', 'npm test --']);
    expect(pulumiCommands(PULL_REQUEST)).toEqual([
      { stage: 'Preview', command: `pulumi preview --cwd infra --stack dev ${base}` },
      { stage: 'Preview', command: `pulumi preview --cwd infra --stack prod ${base}` },
    ]);
  });

  // Issue 18 item 16: approvers approve the plan that is applied, not one recomputed at deploy time.
  it('on main applies saved plans: dev right after its plan, prod the artifact PlanProd published', () => {
    expect(executedStages(infra, MERGE_TO_MAIN).map((s) => s.stage)).toEqual([
      'Validate',
      'DeployDev',
      'PlanProd',
      'DeployProd',
    ]);
    expect(pulumiCommands(MERGE_TO_MAIN)).toEqual([
      {
        stage: 'DeployDev',
        command: `pulumi preview --cwd infra --stack dev ${base} --save-plan $(Agent.TempDirectory)/dev.plan.json`,
      },
      {
        stage: 'DeployDev',
        command: `pulumi up --cwd infra --stack dev ${base} --plan $(Agent.TempDirectory)/dev.plan.json --yes`,
      },
      {
        stage: 'PlanProd',
        command: `pulumi preview --cwd infra --stack prod ${base} --save-plan $(Build.ArtifactStagingDirectory)/prod.plan.json`,
      },
      {
        stage: 'DeployProd',
        command: `pulumi up --cwd infra --stack prod ${base} --plan $(Pipeline.Workspace)/prod-plan/prod.plan.json --yes`,
      },
    ]);
    const steps = executedSteps(infra, MERGE_TO_MAIN);
    const published = steps.find((s) => s.step.task === 'PublishPipelineArtifact@1')!;
    expect(published.stage).toBe('PlanProd');
    expect(published.step.inputs).toEqual({
      targetPath: '$(Build.ArtifactStagingDirectory)/prod.plan.json',
      artifact: 'prod-plan',
    });
    // `download: current` puts an artifact at $(Pipeline.Workspace)/<artifact name>.
    expect(steps.filter((s) => s.stage === 'DeployProd' && 'download' in s.step).map((s) => s.step)).toEqual([
      { download: 'current', artifact: 'prod-plan' },
    ]);
  });

  it('checks drift daily: a refresh of each stack that changes nothing and fails on any difference', () => {
    expect(executedStages(infra, SCHEDULE).map((s) => s.stage)).toEqual(['Drift']);
    expect(pulumiCommands(SCHEDULE)).toEqual([
      {
        stage: 'Drift',
        command: `pulumi refresh --cwd infra --stack dev ${base} --preview-only --expect-no-changes`,
      },
      {
        stage: 'Drift',
        command: `pulumi refresh --cwd infra --stack prod ${base} --preview-only --expect-no-changes`,
      },
    ]);
    const doc = readYaml(path.join(pipelinesDir, 'infra.yml')) as { schedules: { branches: unknown }[] };
    expect(doc.schedules).toEqual([
      expect.objectContaining({ branches: { include: ['main'] }, always: true }),
    ]);
  });

  it('runs on changes to the configs and environment files the policy config and stacks read', () => {
    const doc = readYaml(path.join(pipelinesDir, 'infra.yml')) as Record<
      'trigger' | 'pr',
      { paths: { include: string[] } }
    >;
    for (const key of ['trigger', 'pr'] as const) {
      expect(doc[key].paths.include).toEqual(expect.arrayContaining(['infra', 'configs', 'environments']));
    }
  });

  it('deploys prod only as a deployment job bound to the prod environment, whose approvals gate it', () => {
    const prod = infra.stages.find((s) => s.stage === 'DeployProd')!;
    expect(prod.jobs).toHaveLength(1);
    expect(prod.jobs[0]!.deployment).toBe('Up');
    expect(environmentOf(prod.jobs[0]!)).toBe('prod');
    const dev = infra.stages.find((s) => s.stage === 'DeployDev')!;
    const up = dev.jobs.find((j) => j.deployment);
    expect(environmentOf(up!)).toBe('dev');
  });

  it('on a run of any other branch only validates', () => {
    expect(executedStages(infra, MANUAL_ON_BRANCH).map((s) => s.stage)).toEqual(['Validate']);
  });

  it('points every pulumi command at the policy pack in infra/policy', () => {
    const all = [...commands(PULL_REQUEST), ...commands(MERGE_TO_MAIN), ...commands(SCHEDULE)].filter((c) =>
      c.command.startsWith('pulumi '),
    );
    const stackCommands = all.filter((c) => /^pulumi (preview|up|refresh)\b/.test(c.command));
    expect(stackCommands.length).toBe(8);
    for (const c of stackCommands)
      expect(c.command).toContain('--policy-pack "$(Build.SourcesDirectory)/infra/policy"');
  });

  // Item 8: pull-request code never runs under a connection or variable group that can change anything.
  it('signs in with the read-only preview identity on pull requests and drift checks, and per stack on main', () => {
    const signIns = (variables: Record<string, string>) =>
      executedSteps(infra, variables)
        .filter((s) => s.step.task === 'AzureCLI@2')
        .map((s) => [
          /--stack (\w+)/.exec(s.commands.join(' '))![1],
          (s.step.inputs as Record<string, string>).azureSubscription,
        ]);
    const preview = infra.variables.serviceConnectionInfraPreview;
    expect(signIns(PULL_REQUEST)).toEqual([
      ['dev', preview],
      ['prod', preview],
    ]);
    expect(signIns(SCHEDULE)).toEqual([
      ['dev', preview],
      ['prod', preview],
    ]);
    expect(signIns(MERGE_TO_MAIN)).toEqual([
      ['dev', infra.variables.serviceConnectionInfraDev],
      ['dev', infra.variables.serviceConnectionInfraDev],
      ['prod', infra.variables.serviceConnectionInfraProd],
      ['prod', infra.variables.serviceConnectionInfraProd],
    ]);
  });

  it('reads the branch-controlled variable group only in stages that run on main', () => {
    const doc = readYaml(path.join(pipelinesDir, 'infra.yml')) as {
      variables: unknown[];
      stages: { stage: string; variables?: unknown[] }[];
    };
    expect(doc.variables).not.toContainEqual({ group: 'mm-pulumi' });
    const groups = Object.fromEntries(doc.stages.map((s) => [s.stage, s.variables ?? []]));
    expect(groups).toEqual({
      Validate: [],
      Preview: [{ group: 'mm-pulumi-preview' }],
      Drift: [{ group: 'mm-pulumi-preview' }],
      DeployDev: [{ group: 'mm-pulumi' }],
      PlanProd: [{ group: 'mm-pulumi' }],
      DeployProd: [{ group: 'mm-pulumi' }],
    });
  });

  // Item 3: the Kubernetes provider signs in to the Entra-only cluster through kubelogin, absent on hosted agents.
  it('installs a checksum-verified kubelogin in every job that touches the prod stack, before pulumi', () => {
    for (const variables of [PULL_REQUEST, MERGE_TO_MAIN, SCHEDULE]) {
      const steps = executedSteps(infra, variables);
      for (const job of new Set(steps.map((s) => s.job))) {
        const jobSteps = steps.filter((s) => s.job === job);
        const pulumiIndex = jobSteps.findIndex((s) => s.commands.some((c) => /--stack prod\b/.test(c)));
        if (pulumiIndex < 0) continue;
        const install = jobSteps.findIndex((s) =>
          s.commands.some((c) => c.includes('kubelogin-linux-amd64.zip.sha256')),
        );
        expect(install, `${JSON.stringify(job).slice(0, 40)}`).toBeGreaterThanOrEqual(0);
        expect(install).toBeLessThan(pulumiIndex);
        expect(jobSteps[install]!.commands).toContain(
          'echo "$(cut -d\' \' -f1 kubelogin-linux-amd64.zip.sha256)  kubelogin-linux-amd64.zip" | sha256sum --check --strict -',
        );
      }
    }
  });
});
