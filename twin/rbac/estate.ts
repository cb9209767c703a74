import { createHash } from 'node:crypto';
import {
  type AccessRefs,
  accessPlan,
  CLUSTER_IDENTITY,
  type Grant,
  STACK_IDENTITIES,
} from '../../infra/access-plan.ts';
import { conditionAdmitsPath } from '../../infra/blob-conditions.ts';
import {
  type Environment,
  type IdentityRole,
  type ResourceNames,
  resourceNames,
} from '../../infra/naming.ts';
import type { RoleName } from '../../infra/roles.ts';
import { rolePermits, scopeCovers } from './roles.ts';

/** A principal of the twin's tenant: a managed identity of a stack, or a service's own identity. */
export interface TwinPrincipal {
  /** 'dev/training', 'prod/promotion', 'prod/synapse', ... */
  name: string;
  environment: Environment;
  principalId: string;
  clientId: string;
}

export interface TwinGrant {
  environment: Environment;
  principal: string;
  principalId: string;
  role: RoleName;
  scope: string;
  reason: string;
  condition?: string;
}

const CONDITIONED_WRITES = /\/blobs\/(write|add\/action|delete|move\/action)$/i;

function conditionAllows(grant: TwinGrant, operation: { dataAction?: string }, blobPath?: string): boolean {
  if (!grant.condition || !operation.dataAction || !CONDITIONED_WRITES.test(operation.dataAction))
    return true;
  if (blobPath === undefined) return false;
  return conditionAdmitsPath(grant.condition, blobPath);
}

export interface Decision {
  allowed: boolean;
  /** The grant that allowed it. */
  grant?: TwinGrant;
}

/**
 * The identities each stack creates, and the ones its compute cluster carries (all but promotion), as
 * infra/program.ts declares them (STACK_IDENTITIES and the cluster's identityIds); a test keeps the two equal.
 */
export const TWIN_STACK_IDENTITIES: Record<Environment, readonly IdentityRole[]> = STACK_IDENTITIES;

/** A stable GUID-shaped id per name, so runs of the twin agree on who is who. */
export function guidOf(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The twin's Azure estate: both stacks' resource ids (named as infra/naming.ts names them), their identities,
 * and the role assignments `accessPlan()` (infra/access-plan.ts, what the Pulumi program deploys) gives them.
 * Every request to the twin is authorised against these grants only.
 */
export class TwinEstate {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly names: Record<Environment, ResourceNames>;
  readonly principals: TwinPrincipal[] = [];
  readonly grants: TwinGrant[] = [];

  constructor(options: { prefix?: string; subscriptionId?: string; tenantId?: string } = {}) {
    const prefix = options.prefix ?? 'mm';
    this.subscriptionId = options.subscriptionId ?? guidOf(`${prefix}/subscription`);
    this.tenantId = options.tenantId ?? guidOf(`${prefix}/tenant`);
    this.names = { dev: resourceNames(prefix, 'dev'), prod: resourceNames(prefix, 'prod') };
    for (const environment of ['dev', 'prod'] as const) {
      for (const role of TWIN_STACK_IDENTITIES[environment]) this.#principal(environment, role);
      this.#principal(environment, 'workspace');
    }
    this.#principal('prod', 'synapse');
    for (const environment of ['dev', 'prod'] as const) {
      for (const grant of accessPlan(this.#refs(environment)))
        this.grants.push(this.#plain(environment, grant));
    }
  }

  principal(name: string): TwinPrincipal {
    const found = this.principals.find((p) => p.name === name);
    if (!found) throw new Error(`the twin has no principal '${name}'`);
    return found;
  }

  byPrincipalId(principalId: string): TwinPrincipal | undefined {
    return this.principals.find((p) => p.principalId === principalId);
  }

  byClientId(clientId: string): TwinPrincipal | undefined {
    return this.principals.find((p) => p.clientId === clientId);
  }

  /** The identities attached to an environment's compute cluster (the access plan's CLUSTER_IDENTITY). */
  clusterIdentities(environment: Environment): TwinPrincipal[] {
    return [this.principal(`${environment}/${CLUSTER_IDENTITY[environment]}`)];
  }

  resourceGroupId(environment: Environment): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${this.names[environment].resourceGroup}`;
  }

  /** Container resource id as azure-native's BlobContainer reports it. */
  containerId(environment: Environment, container: string, account = this.names[environment].lake): string {
    return `${this.resourceGroupId(environment)}/providers/Microsoft.Storage/storageAccounts/${account}/blobServices/default/containers/${container}`;
  }

  workspaceId(environment: Environment): string {
    return `${this.resourceGroupId(environment)}/providers/Microsoft.MachineLearningServices/workspaces/${this.names[environment].workspace}`;
  }

  /** The environment whose lake account this is, by account name. */
  environmentOfAccount(account: string): Environment | undefined {
    return (['dev', 'prod'] as const).find((env) => this.names[env].lake === account);
  }

  /**
   * Does any grant of this principal allow the operation on the resource (Azure RBAC: allow-only, inherited)? A
   * grant with an ABAC condition from blob-conditions.ts allows a blob write action only under its path prefixes
   * ("Azure role assignment condition format", simple condition: a non-matching action passes,
   * https://learn.microsoft.com/azure/role-based-access-control/conditions-format); `blobPath` is the blob's
   * path in its container.
   */
  authorize(
    principalId: string,
    operation: { action?: string; dataAction?: string },
    resourceId: string,
    blobPath?: string,
  ): Decision {
    const grant = this.grants.find(
      (g) =>
        g.principalId === principalId &&
        scopeCovers(g.scope, resourceId) &&
        rolePermits(g.role, operation) &&
        conditionAllows(g, operation, blobPath),
    );
    return grant ? { allowed: true, grant } : { allowed: false };
  }

  #principal(environment: Environment, role: string): void {
    const name = `${environment}/${role}`;
    this.principals.push({
      name,
      environment,
      principalId: guidOf(`${name}/principal`),
      clientId: guidOf(`${name}/client`),
    });
  }

  #refs(environment: Environment): AccessRefs {
    const names = this.names[environment];
    const rg = this.resourceGroupId(environment);
    const identities: AccessRefs['identities'] = {};
    for (const role of TWIN_STACK_IDENTITIES[environment]) {
      identities[role] = { principalId: this.principal(`${environment}/${role}`).principalId };
    }
    return {
      environment,
      identities,
      lake: { raw: this.containerId(environment, 'raw'), engine: this.containerId(environment, 'lake') },
      workspace: {
        id: this.workspaceId(environment),
        principalId: this.principal(`${environment}/workspace`).principalId,
        registryId: `${rg}/providers/Microsoft.ContainerRegistry/registries/${names.containerRegistry}`,
      },
      synapse:
        environment === 'prod'
          ? {
              principalId: this.principal('prod/synapse').principalId,
              filesystemId: this.containerId('prod', 'synapse'),
            }
          : undefined,
      dev:
        environment === 'prod'
          ? {
              workspaceId: this.workspaceId('dev'),
              lakeContainerId: this.containerId('dev', 'lake'),
              registryId: `${this.resourceGroupId('dev')}/providers/Microsoft.ContainerRegistry/registries/${this.names.dev.containerRegistry}`,
            }
          : undefined,
    };
  }

  #plain(environment: Environment, grant: Grant): TwinGrant {
    return {
      environment,
      principal: `${environment}/${grant.principal}`,
      principalId: String(grant.principalId),
      role: grant.role,
      scope: String(grant.scope),
      reason: grant.reason,
      condition: grant.condition,
    };
  }
}
