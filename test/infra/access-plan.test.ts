import { describe, expect, it } from 'vitest';
import { type AccessRefs, accessPlan, type Grant } from '../../infra/access-plan.ts';

const sub = '/subscriptions/s/resourceGroups';
const refs = (environment: 'dev' | 'prod'): AccessRefs => ({
  environment,
  identities: {
    dataprep: { principalId: 'p-dataprep' },
    training: { principalId: 'p-training' },
    scoring: { principalId: 'p-scoring' },
    promotion: { principalId: 'p-promotion' },
  },
  lake: { raw: `${sub}/${environment}/containers/raw`, engine: `${sub}/${environment}/containers/lake` },
  workspace: {
    id: `${sub}/${environment}/workspaces/mlw`,
    principalId: 'p-workspace',
    storageAccountId: `${sub}/${environment}/storageAccounts/mlwst`,
    registryId: `${sub}/${environment}/registries/acr`,
  },
});

const table = (grants: Grant[]) => grants.map((g) => `${g.principalId} ${g.role} ${g.scope}`);

describe('access plan', () => {
  it('dev: source data is read-only, training writes the lake and registers dev models', () => {
    expect(table(accessPlan(refs('dev')))).toEqual([
      `p-dataprep storageBlobDataReader ${sub}/dev/containers/raw`,
      `p-dataprep storageBlobDataContributor ${sub}/dev/containers/lake`,
      `p-workspace storageBlobDataReader ${sub}/dev/containers/raw`,
      `p-workspace storageBlobDataReader ${sub}/dev/containers/lake`,
      `p-workspace storageBlobDataContributor ${sub}/dev/storageAccounts/mlwst`,
      `p-training storageBlobDataReader ${sub}/dev/containers/raw`,
      `p-training storageBlobDataContributor ${sub}/dev/containers/lake`,
      `p-training storageBlobDataContributor ${sub}/dev/storageAccounts/mlwst`,
      `p-training azureMlDataScientist ${sub}/dev/workspaces/mlw`,
      `p-training acrPull ${sub}/dev/registries/acr`,
    ]);
  });

  it('prod: scoring only reads the registry, promotion alone writes it and reads dev candidates', () => {
    const plan = accessPlan({
      ...refs('prod'),
      dev: { workspaceId: `${sub}/dev/workspaces/mlw`, lakeContainerId: `${sub}/dev/containers/lake` },
    });
    const onWorkspace = plan.filter((g) => g.scope === `${sub}/prod/workspaces/mlw`);
    expect(table(onWorkspace)).toEqual([
      `p-scoring reader ${sub}/prod/workspaces/mlw`,
      `p-promotion azureMlDataScientist ${sub}/prod/workspaces/mlw`,
    ]);
    expect(table(plan.filter((g) => g.principal === 'scoring'))).toEqual([
      `p-scoring reader ${sub}/prod/workspaces/mlw`,
      `p-scoring storageBlobDataContributor ${sub}/prod/containers/lake`,
      `p-scoring storageBlobDataContributor ${sub}/prod/storageAccounts/mlwst`,
      `p-scoring acrPull ${sub}/prod/registries/acr`,
    ]);
    expect(table(plan.filter((g) => g.principal === 'promotion'))).toEqual([
      `p-promotion azureMlDataScientist ${sub}/prod/workspaces/mlw`,
      `p-promotion storageBlobDataContributor ${sub}/prod/containers/lake`,
      `p-promotion reader ${sub}/dev/workspaces/mlw`,
      `p-promotion storageBlobDataReader ${sub}/dev/containers/lake`,
    ]);
  });

  it('never grants anything on a whole storage account of the lake, a resource group or the subscription', () => {
    for (const env of ['dev', 'prod'] as const) {
      for (const g of accessPlan(refs(env))) {
        expect(String(g.scope)).toMatch(/\/(containers|workspaces|registries)\/|storageAccounts\/mlwst$/);
      }
    }
  });

  it('lets Synapse read the lake and write only its own filesystem; lets AKS nodes pull images', () => {
    const plan = accessPlan({
      ...refs('prod'),
      synapse: { principalId: 'p-synapse', filesystemId: `${sub}/prod/containers/synapse` },
      aks: { clusterId: `${sub}/prod/managedClusters/aks`, kubeletObjectId: 'p-kubelet' },
    });
    expect(table(plan.filter((g) => g.principal === 'synapse' || g.principal === 'aks-kubelet'))).toEqual([
      `p-synapse storageBlobDataReader ${sub}/prod/containers/lake`,
      `p-synapse storageBlobDataContributor ${sub}/prod/containers/synapse`,
      `p-kubelet acrPull ${sub}/prod/registries/acr`,
    ]);
  });

  it('makes whoever runs pulumi up cluster admin only when the program deploys into the cluster', () => {
    const aks = { clusterId: `${sub}/prod/managedClusters/aks`, kubeletObjectId: 'p-kubelet' };
    expect(accessPlan({ ...refs('prod'), aks }).some((g) => g.principal === 'deployer')).toBe(false);
    const deployer = accessPlan({
      ...refs('prod'),
      aks: { ...aks, deployer: { objectId: 'p-ci', principalType: 'User' } },
    }).filter((g) => g.principal === 'deployer');
    // A local `pulumi up` runs as a user; the pipeline as a service principal: the config says which.
    expect(deployer).toEqual([
      expect.objectContaining({
        principalId: 'p-ci',
        principalType: 'User',
        role: 'aksRbacClusterAdmin',
        scope: aks.clusterId,
      }),
    ]);
  });

  it('gives every grant a unique key and a reason', () => {
    const plan = accessPlan({
      ...refs('prod'),
      aks: { clusterId: 'c', kubeletObjectId: 'k', deployer: { objectId: 'd', principalType: 'User' } },
    });
    expect(new Set(plan.map((g) => g.key)).size).toBe(plan.length);
    for (const g of plan) expect(g.reason.length).toBeGreaterThan(5);
    expect(plan.filter((g) => g.principalType !== 'ServicePrincipal').map((g) => g.principal)).toEqual([
      'deployer',
    ]);
  });

  it('fails clearly when a stack lacks an identity the plan needs', () => {
    const { identities, ...rest } = refs('prod');
    expect(() => accessPlan({ ...rest, identities: { dataprep: identities.dataprep } })).toThrow(
      'the prod stack has no scoring identity',
    );
  });
});
