import type * as pulumi from '@pulumi/pulumi';
import { CONDITION_VERSION, writesOnlyUnder } from './blob-conditions.ts';
import type { Environment, IdentityRole } from './naming.ts';
import type { RoleName } from './roles.ts';

/**
 * The one access plan: which identity holds which role on which scope, and which pipeline stage runs as which
 * identity. The Pulumi program deploys it (components/access.ts), the docs tables are generated from it
 * (infra/scripts/access-table.ts) and the Azure twin enforces it, so a stage that needs a role the plan lacks
 * fails in the rehearsal, not on the first real run.
 */

export type PrincipalType = 'ServicePrincipal' | 'User' | 'Group';

/** Who a grant is for: a job identity the stack creates, or an identity Azure or the deployer brings. */
export type Principal =
  | IdentityRole
  | 'workspace'
  | 'synapse'
  | 'databricks-connector'
  | 'aks-kubelet'
  | 'deployer';

/** Symbolic scope of a grant (what `scope` points at), for tables and the twin. */
export type ScopeName =
  | 'raw'
  | 'lake'
  | 'registry'
  | 'workspace'
  | 'synapse-fs'
  | 'cluster'
  | 'dev-workspace'
  | 'dev-lake'
  | 'dev-registry';

/** One role assignment: who gets which built-in role on which (narrowest possible) scope, and why. */
export interface Grant {
  /** Stable logical name, unique in the stack. */
  key: string;
  principal: Principal;
  principalId: pulumi.Input<string>;
  role: RoleName;
  on: ScopeName;
  scope: pulumi.Input<string>;
  reason: string;
  /** Said explicitly: azure-native would otherwise send 'User', which Azure rejects for a service principal. */
  principalType: PrincipalType;
  /** Azure ABAC condition (version 2.0) narrowing a blob write role to lake folders; see blob-conditions.ts. */
  condition?: string;
  conditionVersion?: string;
}

/** Lake folders (src/storage/layout.ts) a narrowed writer may write, per identity and environment. */
export const LAKE_WRITES: Partial<Record<Environment, Partial<Record<IdentityRole, readonly string[]>>>> = {
  dev: { dataprep: ['prepared/'] },
  prod: {
    dataprep: ['prepared/'],
    // code/: the scoring pipeline's code snapshot (src/azure/pipeline-job.ts), run by the prod cluster as scoring
    // itself, so writing it gives no one else's rights (the rehearsal's Score met a 403 without it).
    scoring: ['predictions/', 'runs/', 'reports/', 'code/'],
    // prepared/: the promotion stage brings the prepared data the run was trained on to prod, so scoring reads
    // prod only (the alternative, the scoring identity reading the dev lake, would give a prod workload dev data).
    promotion: ['registry/', 'runs/', 'prepared/'],
  },
};

/** Where prod models live in the lake: only the promotion identity may write here. */
export const PROD_MODEL_PREFIX = 'registry/';

/** The job identities each stack creates. */
export const STACK_IDENTITIES: Record<Environment, readonly IdentityRole[]> = {
  dev: ['dataprep', 'training'],
  prod: ['dataprep', 'scoring', 'promotion', 'auditor', 'build'],
};

/** The identity each Azure ML compute cluster runs its jobs as: one per cluster, so no job borrows another's. */
export const CLUSTER_IDENTITY: Record<Environment, IdentityRole> = { dev: 'training', prod: 'scoring' };

export { STAGE_IDENTITIES, type StageIdentity } from './stage-identities.ts';

export interface AccessRefs {
  environment: Environment;
  identities: Partial<Record<IdentityRole, { principalId: pulumi.Input<string> }>>;
  /** Container resource ids of this stack's lake. */
  lake: { raw: pulumi.Input<string>; engine: pulumi.Input<string> };
  workspace: {
    id: pulumi.Input<string>;
    principalId: pulumi.Input<string>;
    registryId: pulumi.Input<string>;
  };
  synapse?:
    | {
        principalId: pulumi.Input<string>;
        filesystemId: pulumi.Input<string>;
        /** The synapse-spark engine runs the stages as Spark jobs, which act as the workspace's identity. */
        runsSpark?: boolean;
      }
    | undefined;
  /** The Databricks access connector: the identity Unity Catalog reaches the lake volume with. */
  databricks?: { connectorPrincipalId: pulumi.Input<string> } | undefined;
  aks?:
    | {
        clusterId: pulumi.Input<string>;
        kubeletObjectId: pulumi.Input<string>;
        /** Who runs `pulumi up` of prod, when the program deploys the scoring service into the cluster. */
        deployer?: { objectId: pulumi.Input<string>; principalType: PrincipalType } | undefined;
      }
    | undefined;
  /** From the dev stack, for the prod promotion identity that reads candidates there. */
  dev?:
    | {
        workspaceId: pulumi.Input<string>;
        lakeContainerId: pulumi.Input<string>;
        registryId?: pulumi.Input<string> | undefined;
      }
    | undefined;
}

const READ = 'storageBlobDataReader';
const WRITE = 'storageBlobDataContributor';

/**
 * Least privilege, as data: data-plane roles on single containers (writes narrowed to lake folders in prod),
 * workspace roles on a single workspace. Source data in `raw` is read-only to every identity; only the promotion
 * identity can write prod models (the prod workspace and the lake's registry/); Synapse and the workspace
 * itself only read. Nothing Azure grants by itself is repeated: AML gives the workspace's identity its roles on
 * the workspace's own storage, Key Vault and registry when it creates the workspace
 * (https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication), and a
 * second assignment of the same role fails with RoleAssignmentExists.
 */
export function accessPlan(refs: AccessRefs): Grant[] {
  const grants: Grant[] = [];
  const env = refs.environment;
  const grant = (principal: Principal, principalId: pulumi.Input<string>, role: RoleName, on: ScopeName) => ({
    scope: (
      scope: pulumi.Input<string>,
      reason: string,
      principalType: PrincipalType = 'ServicePrincipal',
    ) => {
      const prefixes =
        role === WRITE && on === 'lake' && principal in (LAKE_WRITES[env] ?? {})
          ? LAKE_WRITES[env]?.[principal as IdentityRole]
          : undefined;
      grants.push({
        key: `${principal}-${role}-${on}`,
        principal,
        principalId,
        role,
        on,
        scope,
        reason,
        principalType,
        ...(prefixes ? { condition: writesOnlyUnder(prefixes), conditionVersion: CONDITION_VERSION } : {}),
      });
    },
  });
  const id = (role: IdentityRole) => {
    const found = refs.identities[role];
    if (!found) throw new Error(`the ${env} stack has no ${role} identity`);
    return found.principalId;
  };
  const { lake, workspace: ws } = refs;

  grant('dataprep', id('dataprep'), READ, 'raw').scope(lake.raw, 'prepare reads the source data');
  grant('dataprep', id('dataprep'), WRITE, 'lake').scope(lake.engine, 'prepare writes prepared/');
  grant('workspace', ws.principalId, READ, 'raw').scope(lake.raw, 'datastore browsing in the studio');
  grant('workspace', ws.principalId, READ, 'lake').scope(lake.engine, 'datastore browsing in the studio');

  if (env === 'dev') {
    const training = id('training');
    grant('training', training, READ, 'raw').scope(lake.raw, 'training may re-read source data');
    grant('training', training, WRITE, 'lake').scope(
      lake.engine,
      'training writes runs, artifacts and reports',
    );
    grant('training', training, 'azureMlDataScientist', 'workspace').scope(
      ws.id,
      'submits training jobs and registers dev models',
    );
    grant('training', training, 'acrPull', 'registry').scope(
      ws.registryId,
      'cluster jobs pull the runtime image',
    );
    // The Image stage: `az acr build` queues an ACR Tasks run (Tasks Contributor, which grants no push) and the
    // run pushes as the caller (AcrPush) (https://learn.microsoft.com/azure/container-registry/container-registry-tutorial-quick-task).
    grant('training', training, 'acrTasksContributor', 'registry').scope(
      ws.registryId,
      'the Image stage builds the runtime image with ACR Tasks',
    );
    grant('training', training, 'acrPush', 'registry').scope(
      ws.registryId,
      'the Image stage pushes the runtime image',
    );
  } else {
    const scoring = id('scoring');
    // Score submits its job on the prod cluster: a custom role that can submit jobs and read everything but
    // cannot write a model (roles.ts), so prod models stay writable by promotion alone.
    grant('scoring', scoring, 'mlJobSubmitter', 'workspace').scope(
      ws.id,
      'submits the prod scoring job and reads prod models; writes no model',
    );
    // Contributor reads the whole container; its condition narrows only the writes.
    grant('scoring', scoring, WRITE, 'lake').scope(
      lake.engine,
      'reads models and history, writes predictions/',
    );
    grant('scoring', scoring, 'acrPull', 'registry').scope(
      ws.registryId,
      'scoring pods and jobs pull the image',
    );

    const promotion = id('promotion');
    grant('promotion', promotion, 'azureMlDataScientist', 'workspace').scope(
      ws.id,
      'the only writer of prod models',
    );
    grant('promotion', promotion, WRITE, 'lake').scope(
      lake.engine,
      'writes prod models (registry/), decisions (runs/) and the prepared data scoring reads (prepared/)',
    );
    if (refs.dev) {
      grant('promotion', promotion, 'reader', 'dev-workspace').scope(
        refs.dev.workspaceId,
        'reads dev candidates',
      );
      grant('promotion', promotion, READ, 'dev-lake').scope(refs.dev.lakeContainerId, 'reads dev artifacts');
    }

    const build = id('build');
    grant('build', build, 'acrPush', 'registry').scope(ws.registryId, 'the image pipeline pushes the images');
    grant('build', build, 'acrTasksContributor', 'registry').scope(
      ws.registryId,
      'ImageProd builds the runtime image for prod jobs with ACR Tasks',
    );
    if (refs.dev?.registryId !== undefined) {
      grant('build', build, 'acrPush', 'dev-registry').scope(
        refs.dev.registryId,
        'the runtime image for dev jobs',
      );
    }

    const auditor = id('auditor');
    grant('auditor', auditor, 'reader', 'workspace').scope(
      ws.id,
      're-verifies prod model versions, read only',
    );
    grant('auditor', auditor, READ, 'lake').scope(lake.engine, 'reads prod models and decisions, read only');
  }

  if (refs.synapse) {
    const syn = refs.synapse.principalId;
    if (!refs.synapse.runsSpark)
      grant('synapse', syn, READ, 'lake').scope(
        lake.engine,
        'the predictions view reads predictions/ Parquet',
      );
    grant('synapse', syn, WRITE, 'synapse-fs').scope(
      refs.synapse.filesystemId,
      "Synapse's own workspace files",
    );
    if (refs.synapse.runsSpark) {
      // Contributor reads too; the Spark stages write what the AML stages would (prepared/, runs/, reports/).
      grant('synapse', syn, WRITE, 'lake').scope(
        lake.engine,
        'the synapse-spark engine: Spark jobs read the lake and write stage outputs',
      );
    }
  }
  if (refs.databricks) {
    grant('databricks-connector', refs.databricks.connectorPrincipalId, WRITE, 'lake').scope(
      lake.engine,
      'the databricks engine: job clusters reach the lake through a Unity Catalog volume on this connector',
    );
  }
  if (refs.aks) {
    grant('aks-kubelet', refs.aks.kubeletObjectId, 'acrPull', 'registry').scope(
      ws.registryId,
      'nodes pull the image',
    );
    const deployer = refs.aks.deployer;
    if (deployer) {
      grant('deployer', deployer.objectId, 'aksRbacClusterAdmin', 'cluster').scope(
        refs.aks.clusterId,
        'pulumi up deploys the scoring service (local accounts are off)',
        deployer.principalType,
      );
    }
  }
  return grants;
}
