import { describe, expect, it } from 'vitest';
import { STACK_IDENTITIES } from '../../infra/program.ts';
import { TWIN_STACK_IDENTITIES, TwinEstate } from '../../twin/rbac/estate.ts';
import { rolePermits } from '../../twin/rbac/roles.ts';

describe('the twin estate', () => {
  it('has the identities the Pulumi program creates per stack', () => {
    expect(TWIN_STACK_IDENTITIES).toEqual(STACK_IDENTITIES);
  });

  const estate = new TwinEstate();
  const write = { dataAction: 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write' };
  const read = { dataAction: 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read' };
  const blob = (env: 'dev' | 'prod', container = 'lake') => `${estate.containerId(env, container)}/blobs/x`;
  const id = (name: string) => estate.principal(name).principalId;

  it('allows what the access plan grants and nothing else', () => {
    expect(estate.authorize(id('dev/dataprep'), write, blob('dev'), 'prepared/x').allowed).toBe(true);
    // Plan v2 narrows dataprep's writes to prepared/ with an ABAC condition.
    expect(estate.authorize(id('dev/dataprep'), write, blob('dev'), 'runs/x').allowed).toBe(false);
    expect(estate.authorize(id('dev/dataprep'), write, blob('dev', 'raw')).allowed).toBe(false);
    expect(estate.authorize(id('prod/promotion'), read, blob('dev')).allowed).toBe(true);
    expect(estate.authorize(id('prod/promotion'), write, blob('dev')).allowed).toBe(false);
    expect(estate.authorize(id('prod/scoring'), write, blob('dev')).allowed).toBe(false);
    expect(estate.authorize(id('prod/scoring'), write, blob('prod'), 'predictions/x').allowed).toBe(true);
    expect(estate.authorize(id('prod/scoring'), write, blob('prod'), 'registry/x').allowed).toBe(false);
  });

  it('reads AzureML Data Scientist as Azure defines it: models and jobs yes, the workspace itself no', () => {
    const mlw = 'Microsoft.MachineLearningServices/workspaces';
    expect(rolePermits('azureMlDataScientist', { action: `${mlw}/models/versions/write` })).toBe(true);
    expect(rolePermits('azureMlDataScientist', { action: `${mlw}/jobs/write` })).toBe(true);
    expect(rolePermits('azureMlDataScientist', { action: `${mlw}/write` })).toBe(false);
    expect(rolePermits('azureMlDataScientist', { action: `${mlw}/computes/cpu/write` })).toBe(false);
    expect(rolePermits('reader', { action: `${mlw}/models/read` })).toBe(true);
    expect(rolePermits('reader', { action: `${mlw}/models/write` })).toBe(false);
  });
});
