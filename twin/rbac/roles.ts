import { CUSTOM_ROLES, type RoleName, type RolePermissions } from '../../infra/roles.ts';

/**
 * What each built-in role the access plan assigns permits, as Azure defines it in "Azure built-in roles"
 * (https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles, sections Storage: Storage
 * Blob Data Reader / Contributor; AI + machine learning: AzureML Data Scientist; General: Reader; Containers:
 * AcrPull; Containers: Azure Kubernetes Service RBAC Cluster Admin). Control-plane `actions` and data-plane
 * `dataActions` are separate lists: a role with only `actions` on a storage account cannot read one blob
 * ("Azure role definitions", https://learn.microsoft.com/en-us/azure/role-based-access-control/role-definitions,
 * section DataActions).
 */
export type { RolePermissions };

const BLOB = 'Microsoft.Storage/storageAccounts/blobServices/containers';
const MLW = 'Microsoft.MachineLearningServices/workspaces';

export const ROLE_PERMISSIONS: Record<RoleName, RolePermissions> = {
  reader: { actions: ['*/read'], notActions: [], dataActions: [] },
  storageBlobDataReader: {
    actions: [
      `${BLOB}/read`,
      'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    ],
    notActions: [],
    dataActions: [`${BLOB}/blobs/read`],
  },
  storageBlobDataContributor: {
    actions: [
      `${BLOB}/delete`,
      `${BLOB}/read`,
      `${BLOB}/write`,
      'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    ],
    notActions: [],
    dataActions: [
      `${BLOB}/blobs/delete`,
      `${BLOB}/blobs/read`,
      `${BLOB}/blobs/write`,
      `${BLOB}/blobs/move/action`,
      `${BLOB}/blobs/add/action`,
    ],
  },
  azureMlDataScientist: {
    actions: [`${MLW}/*/read`, `${MLW}/*/action`, `${MLW}/*/delete`, `${MLW}/*/write`],
    notActions: [
      `${MLW}/delete`,
      `${MLW}/write`,
      `${MLW}/computes/*/write`,
      `${MLW}/computes/*/delete`,
      `${MLW}/computes/listKeys/action`,
      `${MLW}/listKeys/action`,
      'Microsoft.MachineLearningServices/workspaces/hubs/write',
      'Microsoft.MachineLearningServices/workspaces/hubs/delete',
      'Microsoft.MachineLearningServices/workspaces/featurestores/write',
      'Microsoft.MachineLearningServices/workspaces/featurestores/delete',
    ],
    dataActions: [],
  },
  acrPull: { actions: ['Microsoft.ContainerRegistry/registries/pull/read'], notActions: [], dataActions: [] },
  acrPush: {
    actions: [
      'Microsoft.ContainerRegistry/registries/pull/read',
      'Microsoft.ContainerRegistry/registries/push/write',
    ],
    notActions: [],
    dataActions: [],
  },
  // Containers: Container Registry Tasks Contributor (ACR Tasks runs; no push or pull by itself).
  acrTasksContributor: {
    actions: [
      'Microsoft.ContainerRegistry/registries/read',
      'Microsoft.ContainerRegistry/registries/scheduleRun/action',
      'Microsoft.ContainerRegistry/registries/listBuildSourceUploadUrl/action',
      'Microsoft.ContainerRegistry/registries/runs/*',
      'Microsoft.ContainerRegistry/registries/tasks/*',
      'Microsoft.ContainerRegistry/registries/taskruns/*',
    ],
    notActions: [],
    dataActions: [],
  },
  // The stack's own custom roles, as infra/roles.ts defines them (and components/access.ts deploys them).
  mlJobSubmitter: structuredClone(CUSTOM_ROLES.mlJobSubmitter.permissions) as RolePermissions,
  aksRbacClusterAdmin: {
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Resources/subscriptions/operationresults/read',
      'Microsoft.Resources/subscriptions/read',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action',
    ],
    notActions: [],
    dataActions: ['Microsoft.ContainerService/managedClusters/*'],
  },
};

/** "*" in an operation string matches any characters, slashes included (role-definitions, section Actions). */
export function operationMatches(pattern: string, operation: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return regex.test(operation);
}

/** Whether a role permits an operation: in `actions` (or `dataActions`) and not excluded by `notActions`. */
export function rolePermits(role: RoleName, operation: { action?: string; dataAction?: string }): boolean {
  const p = ROLE_PERMISSIONS[role];
  if (operation.dataAction !== undefined) {
    return p.dataActions.some((a) => operationMatches(a, operation.dataAction!));
  }
  const action = operation.action ?? '';
  return (
    p.actions.some((a) => operationMatches(a, action)) &&
    !p.notActions.some((a) => operationMatches(a, action))
  );
}

/**
 * A role assigned at a scope applies to every resource below it ("Understand scope for Azure RBAC",
 * https://learn.microsoft.com/en-us/azure/role-based-access-control/scope-overview): resource ids compare
 * case-insensitively, at path-segment boundaries.
 */
export function scopeCovers(scope: string, resourceId: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, '');
  const r = resourceId.toLowerCase();
  return r === s || r.startsWith(`${s}/`);
}
