import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_IDENTITIES } from '../../../infra/access-plan.ts';
import { rehearsalSteps, resolveMacros } from '../../../twin/rehearsal/ml-stages.ts';

const ml = path.resolve('.azure-pipelines/ml.yml');
const runtime = {
  'System.JobAttempt': '1',
  'Build.BuildId': '42',
  'Build.SourceVersion': 'abc123',
  'Build.SourcesDirectory': '.',
  'Build.ArtifactStagingDirectory': '/tmp/staging',
};

describe('the rehearsal’s steps, read from ml.yml', () => {
  it('are the node commands a scheduled run executes, in ml.yml’s order, with every macro resolved', () => {
    const steps = rehearsalSteps(ml, runtime);
    expect([...new Set(steps.map((s) => s.stage))]).toEqual([
      'Prepare',
      'Image',
      'ImageProd',
      'Train',
      'EvaluateAndPromote',
      'VerifyProd',
      'Score',
    ]);
    for (const s of steps) {
      expect(s.command, s.stage).toMatch(/^node \S+\.ts /);
      expect(s.command, s.stage).not.toContain('$(');
    }
    expect(steps.find((s) => s.stage === 'Train')?.command).toContain('--run ado-42');
  });

  it('sign each step in as the identity its service connection stands for in STAGE_IDENTITIES', () => {
    for (const s of rehearsalSteps(ml, runtime)) {
      if (!s.identity) continue;
      const planned = STAGE_IDENTITIES.find((p) => p.serviceConnection === s.identity?.serviceConnection);
      expect(planned, s.stage).toBeDefined();
      expect(`${s.identity.stack}/${s.identity.role}`).toBe(`${planned!.stack}/${planned!.identity}`);
    }
    const identityOf = (stage: string) =>
      rehearsalSteps(ml, runtime).find((s) => s.stage === stage)?.identity;
    expect(identityOf('EvaluateAndPromote')?.role).toBe('promotion');
    expect(identityOf('Score')?.role).toBe('scoring');
  });

  it('refuses a macro it has no value for, naming it', () => {
    expect(resolveMacros('a $(x.y) b', { 'x.y': '$(z)', z: '1' }, 'here')).toBe('a 1 b');
    expect(() => resolveMacros('$(nope)', {}, 'ml.yml stage X')).toThrow(/ml.yml stage X: \$\(nope\)/);
  });
});
