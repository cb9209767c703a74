import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executedStages, executedSteps } from './execution.ts';
import { expandPipeline, type Job, pipelinesDir } from './expand.ts';

const infra = expandPipeline(path.join(pipelinesDir, 'infra.yml'));

const PULL_REQUEST = { 'Build.Reason': 'PullRequest', 'Build.SourceBranch': 'refs/pull/42/merge' };
const MERGE_TO_MAIN = { 'Build.Reason': 'IndividualCI', 'Build.SourceBranch': 'refs/heads/main' };
const MANUAL_ON_BRANCH = { 'Build.Reason': 'Manual', 'Build.SourceBranch': 'refs/heads/feature/x' };

const commands = (variables: Record<string, string>) =>
  executedSteps(infra, variables).flatMap((s) => s.commands.map((command) => ({ stage: s.stage, command })));
const pulumiCommands = (variables: Record<string, string>) =>
  commands(variables)
    .filter((c) => /^pulumi (preview|up)\b/.test(c.command))
    .map((c) => ({
      stage: c.stage,
      command: c.command
        .replace(/ --policy-pack "[^"]+"/, ' --policy-pack <pack>')
        .replace(/ --policy-pack-config "[^"]+"/, ' --policy-pack-config <config>'),
    }));
const environmentOf = (job: Job) =>
  typeof job.environment === 'string' ? job.environment : (job.environment as { name?: string })?.name;

describe('infra.yml', () => {
  it('has the stages Validate, Preview, DeployDev, DeployProd wired by dependsOn', () => {
    expect(infra.stages.map((s) => [s.stage, s.dependsOn ?? null])).toEqual([
      ['Validate', null],
      ['Preview', 'Validate'],
      ['DeployDev', 'Validate'],
      ['DeployProd', 'DeployDev'],
    ]);
  });

  it('on a pull request installs, typechecks, tests, then previews dev and prod with the policy pack', () => {
    expect(executedStages(infra, PULL_REQUEST).map((s) => s.stage)).toEqual(['Validate', 'Preview']);
    const validate = commands(PULL_REQUEST)
      .filter((c) => c.stage === 'Validate')
      .map((c) => c.command.split(' ').slice(0, 3).join(' '));
    expect(validate).toEqual(['npm ci --no-audit', 'npm run typecheck', 'npm run lint', 'npm test --']);
    expect(pulumiCommands(PULL_REQUEST)).toEqual([
      {
        stage: 'Preview',
        command:
          'pulumi preview --cwd infra --stack dev --policy-pack <pack> --policy-pack-config <config> --non-interactive --diff',
      },
      {
        stage: 'Preview',
        command:
          'pulumi preview --cwd infra --stack prod --policy-pack <pack> --policy-pack-config <config> --non-interactive --diff',
      },
    ]);
  });

  it('on main runs pulumi up on dev, then on prod, each through its environment', () => {
    expect(executedStages(infra, MERGE_TO_MAIN).map((s) => s.stage)).toEqual([
      'Validate',
      'DeployDev',
      'DeployProd',
    ]);
    expect(pulumiCommands(MERGE_TO_MAIN)).toEqual([
      {
        stage: 'DeployDev',
        command:
          'pulumi up --cwd infra --stack dev --policy-pack <pack> --policy-pack-config <config> --non-interactive --diff --yes',
      },
      // The prod plan, shown while dev deploys, is what approvers read before DeployProd starts.
      {
        stage: 'DeployDev',
        command:
          'pulumi preview --cwd infra --stack prod --policy-pack <pack> --policy-pack-config <config> --non-interactive --diff',
      },
      {
        stage: 'DeployProd',
        command:
          'pulumi up --cwd infra --stack prod --policy-pack <pack> --policy-pack-config <config> --non-interactive --diff --yes',
      },
    ]);
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
    const all = [...commands(PULL_REQUEST), ...commands(MERGE_TO_MAIN)].filter((c) =>
      c.command.startsWith('pulumi '),
    );
    const changing = all.filter((c) => /^pulumi (preview|up)\b/.test(c.command));
    expect(changing.length).toBe(5);
    for (const c of changing)
      expect(c.command).toContain('--policy-pack "$(Build.SourcesDirectory)/infra/policy"');
  });

  it('signs in for each stack with that stack’s own infrastructure identity', () => {
    const identities = executedSteps(infra, MERGE_TO_MAIN)
      .filter((s) => s.step.task === 'AzureCLI@2')
      .map((s) => [
        /--stack (\w+)/.exec(s.commands.join(' '))![1],
        (s.step.inputs as Record<string, string>).azureSubscription,
      ]);
    expect(identities).toEqual([
      ['dev', infra.variables.serviceConnectionInfraDev],
      ['prod', infra.variables.serviceConnectionInfraProd],
      ['prod', infra.variables.serviceConnectionInfraProd],
    ]);
  });
});
