import type * as pulumi from '@pulumi/pulumi';
import type { Environment, IdentityRole } from './naming.ts';
import type { RoleName } from './roles.ts';

export type PrincipalType = 'ServicePrincipal' | 'User' | 'Group';

/** One role assignment: who gets which built-in role on which (narrowest possible) scope, and why. */
export interface Grant {
  /** Stable logical name, unique in the stack. */
  key: string;
  principal: string;
  principalId: pulumi.Input<string>;
  role: RoleName;
  scope: pulumi.Input<string>;
  reason: string;
  /** Said explicitly: azure-native would otherwise send 'User', which Azure rejects for a service principal. */
  principalType: PrincipalType;
}

export interface AccessRefs {
  environment: Environment;
  identities: Partial<Record<IdentityRole, { principalId: pulumi.Input<string> }>>;
  /** Container resource ids of this stack's lake. */
  lake: { raw: pulumi.Input<string>; engine: pulumi.Input<string> };
  workspace: {
    id: pulumi.Input<string>;
    principalId: pulumi.Input<string>;
    storageAccountId: pulumi.Input<string>;
    registryId: pulumi.Input<string>;
  };
  synapse?: { principalId: pulumi.Input<string>; filesystemId: pulumi.Input<string> };
  aks?: {
    clusterId: pulumi.Input<string>;
    kubeletObjectId: pulumi.Input<string>;
    /** Whoever runs `pulumi up`, when the program deploys the scoring service into the cluster. */
    deployer?: { objectId: pulumi.Input<string>; principalType: PrincipalType };
  };
  /** From the dev stack, for the prod promotion identity that reads candidates there. */
  dev?: { workspaceId: pulumi.Input<string>; lakeContainerId: pulumi.Input<string> };
}

type AddGrant = (
  principal: string,
  principalId: pulumi.Input<string>,
  role: RoleName,
  on: string,
  scope: pulumi.Input<string>,
  reason: string,
) => void;

const READ = 'storageBlobDataReader';
const WRITE = 'storageBlobDataContributor';

function identity(refs: AccessRefs, role: IdentityRole): pulumi.Input<string> {
  const found = refs.identities[role];
  if (!found) throw new Error(`the ${refs.environment} stack has no ${role} identity`);
  return found.principalId;
}

/**
 * Least privilege, as data: data-plane roles on single containers, workspace roles on a single workspace.
 * Source data in `raw` is read-only to every ML identity; only the promotion identity can write to the prod
 * workspace's model registry; Synapse and the workspace itself only read.
 */
export function accessPlan(refs: AccessRefs): Grant[] {
  const grants: Grant[] = [];
  const grant: AddGrant = (principal, principalId, role, on, scope, reason) => {
    const principalType = 'ServicePrincipal' as const;
    grants.push({
      key: `${principal}-${role}-${on}`,
      principal,
      principalId,
      role,
      scope,
      reason,
      principalType,
    });
  };
  const { lake, workspace: ws } = refs;

  const dataprep = identity(refs, 'dataprep');
  grant('dataprep', dataprep, READ, 'raw', lake.raw, 'prepare reads the source data');
  grant('dataprep', dataprep, WRITE, 'lake', lake.engine, 'prepare writes the validated, partitioned lake');
  grant('workspace', ws.principalId, READ, 'raw', lake.raw, 'datastore browsing in the studio');
  grant('workspace', ws.principalId, READ, 'lake', lake.engine, 'datastore browsing in the studio');
  grant(
    'workspace',
    ws.principalId,
    WRITE,
    'ws-storage',
    ws.storageAccountId,
    'identity-based system datastores',
  );

  if (refs.environment === 'dev') {
    const training = identity(refs, 'training');
    grant('training', training, READ, 'raw', lake.raw, 'training may re-read source data');
    grant(
      'training',
      training,
      WRITE,
      'lake',
      lake.engine,
      'training writes artifacts, manifests and reports',
    );
    grant('training', training, WRITE, 'ws-storage', ws.storageAccountId, 'jobs write logs and outputs');
    grant('training', training, 'azureMlDataScientist', 'workspace', ws.id, 'training registers dev models');
    grant('training', training, 'acrPull', 'registry', ws.registryId, 'cluster jobs pull the runtime image');
  } else {
    const scoring = identity(refs, 'scoring');
    grant('scoring', scoring, 'reader', 'workspace', ws.id, 'scoring lists prod model versions, read only');
    grant('scoring', scoring, WRITE, 'lake', lake.engine, 'scoring reads history and writes predictions');
    grant('scoring', scoring, WRITE, 'ws-storage', ws.storageAccountId, 'jobs write logs and outputs');
    grant('scoring', scoring, 'acrPull', 'registry', ws.registryId, 'cluster jobs pull the runtime image');

    const promotion = identity(refs, 'promotion');
    grant(
      'promotion',
      promotion,
      'azureMlDataScientist',
      'workspace',
      ws.id,
      'the only writer of prod models',
    );
    grant(
      'promotion',
      promotion,
      WRITE,
      'lake',
      lake.engine,
      'promotion writes decisions and prod artifacts',
    );
    if (refs.dev) {
      grant('promotion', promotion, 'reader', 'dev-workspace', refs.dev.workspaceId, 'reads dev candidates');
      grant('promotion', promotion, READ, 'dev-lake', refs.dev.lakeContainerId, 'reads dev artifacts');
    }
  }

  if (refs.synapse) {
    const syn = refs.synapse.principalId;
    grant('synapse', syn, READ, 'lake', lake.engine, 'the predictions view reads predictions/ Parquet');
    grant('synapse', syn, WRITE, 'synapse-fs', refs.synapse.filesystemId, "Synapse's own workspace files");
  }
  if (refs.aks) {
    grant(
      'aks-kubelet',
      refs.aks.kubeletObjectId,
      'acrPull',
      'registry',
      ws.registryId,
      'nodes pull the image',
    );
    if (refs.aks.deployer !== undefined) {
      grants.push({
        key: 'deployer-aksRbacClusterAdmin-cluster',
        principal: 'deployer',
        principalId: refs.aks.deployer.objectId,
        principalType: refs.aks.deployer.principalType,
        role: 'aksRbacClusterAdmin',
        scope: refs.aks.clusterId,
        reason: 'pulumi up deploys the scoring service (local accounts are off)',
      });
    }
  }
  return grants;
}
