/**
 * The roles the program assigns: Azure built-in roles by id (names can be renamed, ids cannot; ids from
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles), and the custom roles the stack
 * defines itself where no built-in role is narrow enough (components/access.ts creates their definitions).
 * Nothing here is broader than a data-plane role on one container, registry or workspace, except Reader on a
 * workspace, which the model-reading identities need to list model versions through ARM.
 */
export const BUILT_IN_ROLES = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  azureMlDataScientist: 'f6c7c914-8db3-469d-8ca1-694a8f32e121',
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  acrPush: '8311e382-0749-4cb8-b61a-304f252e45ec',
  /**
   * Queues ACR Tasks runs (`az acr build`); grants no push or pull by itself
   * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#container-registry-tasks-contributor).
   */
  acrTasksContributor: 'fb382eab-e894-4461-af04-94435c366c3f',
  /** Lets the principal running `pulumi up` deploy the scoring service into the Entra-only cluster. */
  aksRbacClusterAdmin: 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b',
} as const;

export interface RolePermissions {
  actions: string[];
  notActions: string[];
  dataActions: string[];
}

const MLW = 'Microsoft.MachineLearningServices/workspaces';

export interface CustomRole {
  /** Shown in the portal; the stack suffixes its environment. */
  roleName: string;
  description: string;
  permissions: RolePermissions;
}

/**
 * Custom roles: operations from "Azure permissions for AI + machine learning"
 * (https://learn.microsoft.com/azure/role-based-access-control/permissions/ai-machine-learning).
 */
export const CUSTOM_ROLES = {
  /**
   * Submits and follows Azure ML jobs on a workspace without being able to write a model: what Score needs on
   * prod (register the runtime image's environment version, the code snapshot and anonymous components of the
   * step, submit the job, read its status). AzureML Data Scientist would also let it register prod models.
   */
  mlJobSubmitter: {
    roleName: 'many-models ML job submitter',
    description: 'Submit and follow Azure ML jobs; read everything; write no model',
    permissions: {
      actions: [
        `${MLW}/read`,
        `${MLW}/*/read`,
        `${MLW}/jobs/write`,
        `${MLW}/jobs/cancel/action`,
        `${MLW}/experiments/runs/submit/action`,
        `${MLW}/environments/write`,
        `${MLW}/environments/versions/write`,
        `${MLW}/codes/write`,
        `${MLW}/codes/versions/write`,
        `${MLW}/components/write`,
        `${MLW}/components/versions/write`,
      ],
      // Said explicitly, so a later edit of `actions` (a wildcard) cannot hand it model writes by accident.
      notActions: [
        `${MLW}/models/write`,
        `${MLW}/models/delete`,
        `${MLW}/models/versions/write`,
        `${MLW}/models/versions/delete`,
      ],
      dataActions: [],
    },
  },
} as const satisfies Record<string, CustomRole>;

export type BuiltInRoleName = keyof typeof BUILT_IN_ROLES;
export type CustomRoleName = keyof typeof CUSTOM_ROLES;
export type RoleName = BuiltInRoleName | CustomRoleName;

export function isCustomRole(role: RoleName): role is CustomRoleName {
  return role in CUSTOM_ROLES;
}

/** Roles that can change what they are granted on (data, models, images, cluster objects, jobs). */
export const WRITE_ROLES: ReadonlySet<RoleName> = new Set<RoleName>([
  'storageBlobDataContributor',
  'azureMlDataScientist',
  'acrPush',
  'acrTasksContributor',
  'aksRbacClusterAdmin',
  'mlJobSubmitter',
]);

/** The definition id of a built-in role (custom role ids come from their RoleDefinition resource). */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRoleName): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}
