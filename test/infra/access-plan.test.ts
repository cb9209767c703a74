import { describe, expect, it } from 'vitest';
import {
  type AccessRefs,
  accessPlan,
  CLUSTER_IDENTITY,
  type Grant,
  PROD_MODEL_PREFIX,
  STACK_IDENTITIES,
  STAGE_IDENTITIES,
} from '../../infra/access-plan.ts';
import { writablePrefixes } from '../../infra/blob-conditions.ts';
import { IDENTITY_ROLES } from '../../infra/naming.ts';
import { rolePermits } from '../../twin/rbac/roles.ts';

const sub = '/subscriptions/s/resourceGroups';
const refs = (environment: 'dev' | 'prod'): AccessRefs => ({
  environment,
  identities: Object.fromEntries(IDENTITY_ROLES.map((role) => [role, { principalId: `p-${role}` }])),
  lake: { raw: `${sub}/${environment}/containers/raw`, engine: `${sub}/${environment}/containers/lake` },
  workspace: {
    id: `${sub}/${environment}/workspaces/mlw`,
    principalId: 'p-workspace',
    registryId: `${sub}/${environment}/registries/acr`,
  },
});
const fullProd = (): AccessRefs => ({
  ...refs('prod'),
  dev: {
    workspaceId: `${sub}/dev/workspaces/mlw`,
    lakeContainerId: `${sub}/dev/containers/lake`,
    registryId: `${sub}/dev/registries/acr`,
  },
  synapse: { principalId: 'p-synapse', filesystemId: `${sub}/prod/containers/synapse` },
  aks: {
    clusterId: `${sub}/prod/managedClusters/aks`,
    kubeletObjectId: 'p-kubelet',
    deployer: { objectId: 'p-deployer', principalType: 'ServicePrincipal' },
  },
});

const table = (grants: Grant[]) => grants.map((g) => `${g.principal} ${g.role} ${g.on}`);
const MLW = 'Microsoft.MachineLearningServices/workspaces';
/**
 * Whether a grant lets its holder write prod models: a role that permits a model write on the workspace (the
 * role's permissions as Azure defines them, custom roles as the stack defines them), or registry/ in the lake.
 */
const writesProdModels = (g: Grant) =>
  (g.on === 'workspace' &&
    ['models/write', 'models/versions/write', 'models/versions/delete'].some((a) =>
      rolePermits(g.role, { action: `${MLW}/${a}` }),
    )) ||
  (g.on === 'lake' &&
    g.role === 'storageBlobDataContributor' &&
    (g.condition === undefined ||
      writablePrefixes(g.condition).some((p) => PROD_MODEL_PREFIX.startsWith(p))));

describe('access plan', () => {
  it('dev: source data is read-only, prepare writes prepared/ only, training writes the lake and registers dev models', () => {
    const plan = accessPlan(refs('dev'));
    expect(table(plan)).toEqual([
      'dataprep storageBlobDataReader raw',
      'dataprep storageBlobDataContributor lake',
      'workspace storageBlobDataReader raw',
      'workspace storageBlobDataReader lake',
      'training storageBlobDataReader raw',
      'training storageBlobDataContributor lake',
      'training azureMlDataScientist workspace',
      'training acrPull registry',
      'training acrTasksContributor registry',
      'training acrPush registry',
    ]);
    const prep = plan.find((g) => g.key === 'dataprep-storageBlobDataContributor-lake')!;
    expect(writablePrefixes(prep.condition!)).toEqual(['prepared/']);
    expect(prep.conditionVersion).toBe('2.0');
  });

  // Issue 18 item 1: AML assigns the workspace's system identity its roles on the workspace's own storage at
  // creation (https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication);
  // assigning the same role again fails with RoleAssignmentExists.
  it('grants nothing that Azure grants by itself: no role for the workspace identity on its own storage', () => {
    for (const env of ['dev', 'prod'] as const) {
      const plan = env === 'prod' ? accessPlan(fullProd()) : accessPlan(refs(env));
      const own = plan.filter((g) => g.principal === 'workspace' && !['raw', 'lake'].includes(g.on));
      expect(own).toEqual([]);
      expect(plan.some((g) => String(g.scope).includes('storageAccounts/mlwst'))).toBe(false);
    }
  });

  // Items 10 and 9: prod models are writable only by the promotion identity; scoring and the auditor only read.
  it('prod: nothing that holds or names a prod model is writable by any identity but promotion', () => {
    const writers = accessPlan(fullProd()).filter(writesProdModels);
    expect(writers.map((g) => g.principal)).toEqual(['promotion', 'promotion']);
  });

  it('prod: scoring writes only predictions/, runs/, reports/ and its pipeline code snapshot (code/); the auditor holds read roles only', () => {
    const plan = accessPlan(fullProd());
    expect(table(plan.filter((g) => g.principal === 'scoring'))).toEqual([
      'scoring mlJobSubmitter workspace',
      'scoring storageBlobDataContributor lake',
      'scoring acrPull registry',
    ]);
    const write = plan.find((g) => g.key === 'scoring-storageBlobDataContributor-lake')!;
    expect(writablePrefixes(write.condition!)).toEqual(['predictions/', 'runs/', 'reports/', 'code/']);
    expect(table(plan.filter((g) => g.principal === 'auditor'))).toEqual([
      'auditor reader workspace',
      'auditor storageBlobDataReader lake',
    ]);
  });

  it('prod: promotion alone writes the prod registry and reads dev candidates', () => {
    expect(table(accessPlan(fullProd()).filter((g) => g.principal === 'promotion'))).toEqual([
      'promotion azureMlDataScientist workspace',
      'promotion storageBlobDataContributor lake',
      'promotion reader dev-workspace',
      'promotion storageBlobDataReader dev-lake',
    ]);
  });

  // Item 3: the image pipeline pushes with its own identity; in prod nothing else can push.
  it('gives AcrPush in prod to the build identity only, on the prod and dev registries', () => {
    const push = accessPlan(fullProd()).filter((g) => g.role === 'acrPush');
    expect(push.map((g) => `${g.principal} ${g.on}`)).toEqual(['build registry', 'build dev-registry']);
  });

  // Whoever runs `az acr build` needs Container Registry Tasks Contributor (queue the run) and AcrPush (the run
  // pushes as the caller): the dev Image stage (training) and ImageProd (build), each on its own registry only.
  it('lets the stages that run az acr build queue ACR Tasks runs and push, on their own registry', () => {
    const builders = [...accessPlan(refs('dev')), ...accessPlan(fullProd())].filter(
      (g) => g.role === 'acrTasksContributor',
    );
    expect(builders.map((g) => `${g.principal} ${g.on}`)).toEqual(['training registry', 'build registry']);
    expect(
      accessPlan(refs('dev')).some(
        (g) => g.principal === 'training' && g.role === 'acrPush' && g.on === 'registry',
      ),
    ).toBe(true);
  });

  it('prod: the scoring identity can submit its job but write no model (custom role, not Data Scientist)', () => {
    const scoring = accessPlan(fullProd()).find((g) => g.principal === 'scoring' && g.on === 'workspace')!;
    for (const action of ['jobs/write', 'jobs/read', 'environments/versions/write', 'models/versions/read'])
      expect(rolePermits(scoring.role, { action: `${MLW}/${action}` }), action).toBe(true);
    for (const action of [
      'models/write',
      'models/versions/write',
      'models/versions/delete',
      'write',
      'delete',
    ])
      expect(rolePermits(scoring.role, { action: `${MLW}/${action}` }), action).toBe(false);
  });

  it('never grants anything on a whole storage account, a resource group or the subscription', () => {
    for (const plan of [accessPlan(refs('dev')), accessPlan(fullProd())]) {
      for (const g of plan) {
        expect(String(g.scope)).toMatch(/\/(containers|workspaces|registries|managedClusters)\/[^/]+$/);
      }
    }
  });

  it('lets Synapse read the lake and write only its own filesystem; lets AKS nodes pull images', () => {
    const plan = accessPlan(fullProd());
    expect(table(plan.filter((g) => g.principal === 'synapse' || g.principal === 'aks-kubelet'))).toEqual([
      'synapse storageBlobDataReader lake',
      'synapse storageBlobDataContributor synapse-fs',
      'aks-kubelet acrPull registry',
    ]);
  });

  // Item 4: the deployer is named in config, not "whoever runs the program", so a preview by another identity
  // plans no replacement of the cluster-admin grant.
  it('grants cluster admin to the configured deployer only when the program deploys into the cluster', () => {
    const { aks } = fullProd();
    const withoutDeployer = accessPlan({ ...fullProd(), aks: { ...aks!, deployer: undefined } });
    expect(withoutDeployer.some((g) => g.principal === 'deployer')).toBe(false);
    expect(accessPlan(fullProd()).filter((g) => g.principal === 'deployer')).toEqual([
      expect.objectContaining({ principalId: 'p-deployer', role: 'aksRbacClusterAdmin', on: 'cluster' }),
    ]);
  });

  it('gives every grant a unique key and a reason', () => {
    const plan = accessPlan(fullProd());
    expect(new Set(plan.map((g) => g.key)).size).toBe(plan.length);
    for (const g of plan) expect(g.reason.length).toBeGreaterThan(5);
  });

  it('fails clearly when a stack lacks an identity the plan needs', () => {
    const { identities, ...rest } = refs('prod');
    expect(() => accessPlan({ ...rest, identities: { dataprep: identities.dataprep } })).toThrow(
      'the prod stack has no scoring identity',
    );
  });
});

describe('stage identities', () => {
  it('runs every stage as an identity its stack creates, each service connection acting as one identity', () => {
    for (const stage of STAGE_IDENTITIES) expect(STACK_IDENTITIES[stage.stack]).toContain(stage.identity);
    const byConnection = new Map<string, string>();
    for (const s of STAGE_IDENTITIES) {
      const identity = `${s.stack}/${s.identity}`;
      expect(byConnection.get(s.serviceConnection) ?? identity).toBe(identity);
      byConnection.set(s.serviceConnection, identity);
    }
  });

  it('gives every stage’s identity at least one grant, and every stack identity a purpose', () => {
    const grants = { dev: accessPlan(refs('dev')), prod: accessPlan(fullProd()) };
    for (const s of STAGE_IDENTITIES)
      expect(grants[s.stack].some((g) => g.principal === s.identity)).toBe(true);
    for (const env of ['dev', 'prod'] as const) {
      for (const role of STACK_IDENTITIES[env])
        expect(grants[env].some((g) => g.principal === role)).toBe(true);
    }
  });

  // Item 14: one identity per cluster, so a job cannot pick another job's identity.
  it('assigns each compute cluster exactly one identity, the one its jobs need', () => {
    expect(CLUSTER_IDENTITY).toEqual({ dev: 'training', prod: 'scoring' });
  });
});
