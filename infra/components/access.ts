import * as authorization from '@pulumi/azure-native/authorization/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { Grant } from '../access-plan.ts';
import { CUSTOM_ROLES, type CustomRoleName, isCustomRole, roleDefinitionId } from '../roles.ts';
import { COMPONENT } from './common.ts';

export interface AccessArgs {
  subscriptionId: pulumi.Input<string>;
  grants: readonly Grant[];
  /** Where the stack's custom roles are defined and assignable (its resource group). */
  customRoleScope: pulumi.Input<string>;
  /** Custom role names are unique in a tenant: each stack's carry its resource group's name. */
  customRoleSuffix: string;
}

/**
 * The role assignments of a stack, one per grant of the access plan (see access-plan.ts), and the definitions
 * of the custom roles among them.
 */
/** The component's name, once every grant key is known to be unique. */
function nameOfUniqueGrants(name: string, grants: readonly { key: string }[]): string {
  const seen = new Set<string>();
  for (const grant of grants) {
    if (seen.has(grant.key)) throw new Error(`access plan grants '${grant.key}' twice`);
    seen.add(grant.key);
  }
  return name;
}

export class Access extends pulumi.ComponentResource {
  readonly assignmentCount: number;
  readonly customRoleIds: Partial<Record<CustomRoleName, pulumi.Output<string>>> = {};

  constructor(name: string, args: AccessArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super(): a component that throws once registered leaves Pulumi an output registration for a
    // resource that never finished, an unhandled rejection in the program.
    super(COMPONENT.access, nameOfUniqueGrants(name, args.grants), {}, opts);
    for (const grant of args.grants) {
      const role = grant.role;
      const definitionId = isCustomRole(role)
        ? this.customRole(name, role, args)
        : pulumi.output(args.subscriptionId).apply((sub) => roleDefinitionId(sub, role));
      new authorization.RoleAssignment(
        `${name}-${grant.key}`,
        {
          principalId: grant.principalId,
          // Managed identities are service principals; saying so skips the directory lookup that fails while
          // a just-created identity replicates.
          principalType: grant.principalType,
          roleDefinitionId: definitionId,
          scope: grant.scope,
          description: `${grant.principal}: ${grant.reason}`,
          ...(grant.condition === undefined
            ? {}
            : { condition: grant.condition, conditionVersion: grant.conditionVersion }),
        },
        { parent: this },
      );
    }
    this.assignmentCount = args.grants.length;
    this.registerOutputs({});
  }

  private customRole(name: string, role: CustomRoleName, args: AccessArgs): pulumi.Output<string> {
    const existing = this.customRoleIds[role];
    if (existing) return existing;
    const spec = CUSTOM_ROLES[role];
    const definition = new authorization.RoleDefinition(
      `${name}-role-${role}`,
      {
        scope: args.customRoleScope,
        assignableScopes: [args.customRoleScope],
        roleName: `${spec.roleName} (${args.customRoleSuffix})`,
        description: spec.description,
        roleType: 'CustomRole',
        permissions: [
          {
            actions: [...spec.permissions.actions],
            notActions: [...spec.permissions.notActions],
            dataActions: [...spec.permissions.dataActions],
          },
        ],
      },
      { parent: this },
    );
    this.customRoleIds[role] = definition.id;
    return definition.id;
  }
}
