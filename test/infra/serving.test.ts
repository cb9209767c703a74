import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withLoginMode } from '../../infra/serving.ts';
import { aksKubeconfig, TENANT } from './harness.ts';

const execArgs = (yaml: string) =>
  (parse(yaml) as { users: { user: { exec: { args: string[] } } }[] }).users[0]?.user.exec.args;

describe('the scoring service wiring', () => {
  it('switches kubelogin from device-code sign-in to the pipeline’s Azure CLI session', () => {
    const kubeconfig = withLoginMode(aksKubeconfig({ resourceName: 'mm-prod-aks' }), 'azurecli');
    expect(execArgs(kubeconfig)).toEqual([
      'get-token',
      '--environment',
      'AzurePublicCloud',
      '--server-id',
      '6dae42f8-4368-4678-94ff-3960e28e3630',
      '--tenant-id',
      TENANT,
      '--login',
      'azurecli',
    ]);
    expect(parse(kubeconfig)).toMatchObject({ 'current-context': 'mm-prod-aks' });
  });

  it('supports workload identity sign-in for agents running in a cluster', () => {
    expect(execArgs(withLoginMode(aksKubeconfig({}), 'workloadidentity'))?.slice(-2)).toEqual([
      '--login',
      'workloadidentity',
    ]);
  });

  it('refuses a kubeconfig without users', () => {
    expect(() => withLoginMode('apiVersion: v1\nkind: Config\n', 'azurecli')).toThrow(
      'the cluster returned a kubeconfig without users',
    );
  });
});
