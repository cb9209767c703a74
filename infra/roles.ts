/**
 * Built-in Azure role definitions the program assigns, by id (names can be renamed, ids cannot).
 * Ids from https://learn.microsoft.com/azure/role-based-access-control/built-in-roles.
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
  /** Lets the principal running `pulumi up` deploy the scoring service into the Entra-only cluster. */
  aksRbacClusterAdmin: 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b',
} as const;

export type RoleName = keyof typeof BUILT_IN_ROLES;

/** Roles that can change what they are granted on (data, models, images, cluster objects). */
export const WRITE_ROLES: ReadonlySet<RoleName> = new Set<RoleName>([
  'storageBlobDataContributor',
  'azureMlDataScientist',
  'acrPush',
  'aksRbacClusterAdmin',
]);

export function roleDefinitionId(subscriptionId: string, role: RoleName): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}
