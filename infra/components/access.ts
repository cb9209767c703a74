import * as authorization from '@pulumi/azure-native/authorization/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { Grant } from '../access-plan.ts';
import { roleDefinitionId } from '../roles.ts';
import { COMPONENT } from './common.ts';

export interface AccessArgs {
  subscriptionId: pulumi.Input<string>;
  grants: readonly Grant[];
}

/** The role assignments of a stack, one per grant of the access plan (see access-plan.ts). */
export class Access extends pulumi.ComponentResource {
  readonly assignmentCount: number;

  constructor(name: string, args: AccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.access, name, {}, opts);
    const seen = new Set<string>();
    for (const grant of args.grants) {
      if (seen.has(grant.key)) throw new Error(`access plan grants '${grant.key}' twice`);
      seen.add(grant.key);
      new authorization.RoleAssignment(
        `${name}-${grant.key}`,
        {
          principalId: grant.principalId,
          // Managed identities are service principals; saying so skips the directory lookup that fails while
          // a just-created identity replicates.
          principalType: grant.principalType,
          roleDefinitionId: pulumi
            .output(args.subscriptionId)
            .apply((sub) => roleDefinitionId(sub, grant.role)),
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
}
