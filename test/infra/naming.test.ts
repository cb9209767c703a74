import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, IDENTITY_ROLES, resourceNames, workspacePair } from '../../infra/naming.ts';

describe('resource names', () => {
  it('names the dev estate the way environments/dev.yaml and the pipelines expect', () => {
    const names = resourceNames('mm', 'dev');
    expect(names).toMatchObject({
      resourceGroup: 'mm-dev-rg',
      lake: 'mmdevlake',
      workspace: 'mm-dev-mlw',
      keyVault: 'mm-dev-kv',
      containerRegistry: 'mmdevacr',
      computeCluster: 'cpu-cluster',
      synapse: 'mm-dev-syn',
    });
    expect(names.identity('training')).toBe('mm-dev-id-training');
  });

  it.each(ENVIRONMENTS)('keeps every %s name inside Azure limits for the longest allowed prefix', (env) => {
    const names = resourceNames('abcdefghij', env);
    // Storage accounts and registries: lower-case letters and digits only, 3-24 and 5-50 characters.
    for (const account of [names.lake, names.workspaceStorage]) expect(account).toMatch(/^[a-z0-9]{3,24}$/);
    expect(names.containerRegistry).toMatch(/^[a-zA-Z0-9]{5,50}$/);
    expect(names.keyVault).toMatch(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/);
    expect(names.computeCluster.length).toBeLessThanOrEqual(16);
    expect(names.sparkPool).toMatch(/^[a-zA-Z][a-zA-Z0-9]{0,14}$/);
    expect(names.synapse).toMatch(/^[a-z0-9-]{1,50}$/);
    expect(names.synapse).not.toContain('-ondemand');
    for (const role of IDENTITY_ROLES)
      expect(names.identity(role)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/);
  });

  it('lets either stack name the other one’s workspace, so the registry settings agree', () => {
    expect(workspacePair('acme')).toEqual({
      devWorkspace: 'acme-dev-mlw',
      devResourceGroup: 'acme-dev-rg',
      prodWorkspace: 'acme-prod-mlw',
      prodResourceGroup: 'acme-prod-rg',
    });
  });

  it.each(['MM', 'm', '1mm', 'mm-x', 'abcdefghijk'])('rejects the prefix %j', (prefix) => {
    expect(() => resourceNames(prefix, 'dev')).toThrow(`prefix '${prefix}' must match`);
  });
});
