import type { TokenIssuer } from '../identity/tokens.ts';
import { ARM_AUDIENCE, bearerOf } from '../identity/tokens.ts';
import type { TwinEstate, TwinPrincipal } from '../rbac/estate.ts';

/**
 * What Azure Resource Manager checks before a request reaches Azure ML: who calls (the token's `oid`), whether a
 * role assignment allows the operation on the resource, and whether the caller's token bucket has a token.
 */

/**
 * The RBAC operation each call needs ("Azure resource provider operations", section
 * Microsoft.MachineLearningServices, https://learn.microsoft.com/en-us/azure/role-based-access-control/permissions/ai-machine-learning).
 */
const ACTIONS: Record<string, string> = {
  ModelContainers_List: 'workspaces/models/read',
  ModelContainers_Get: 'workspaces/models/read',
  ModelContainers_CreateOrUpdate: 'workspaces/models/write',
  ModelVersions_Get: 'workspaces/models/versions/read',
  ModelVersions_CreateOrUpdate: 'workspaces/models/versions/write',
  Datastores_Get: 'workspaces/datastores/read',
  Jobs_Get: 'workspaces/jobs/read',
  Jobs_CreateOrUpdate: 'workspaces/jobs/write',
  EnvironmentVersions_CreateOrUpdate: 'workspaces/environments/versions/write',
  CodeVersions_CreateOrUpdate: 'workspaces/codes/versions/write',
  ComponentVersions_CreateOrUpdate: 'workspaces/components/versions/write',
};

export function actionOf(operationId: string): string {
  const action = ACTIONS[operationId];
  if (!action) throw new Error(`the twin knows no RBAC action for ${operationId}`);
  return `Microsoft.MachineLearningServices/${action}`;
}

export type RequestKind = 'reads' | 'writes' | 'deletes';

export function kindOf(method: string): RequestKind {
  return method === 'GET' || method === 'HEAD' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes';
}

/**
 * ARM's throttling since 2024 ("Understand how Azure Resource Manager throttles requests", section Regional
 * throttling and token bucket algorithm, https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/request-limits-and-throttling):
 * per subscription, per service principal and per operation type, a bucket of 250 reads refilled at 25/s, 200
 * writes at 10/s, 200 deletes at 10/s. An empty bucket answers 429 with Retry-After (seconds).
 */
export const ARM_LIMITS: Record<RequestKind, { bucket: number; refillPerSecond: number }> = {
  reads: { bucket: 250, refillPerSecond: 25 },
  writes: { bucket: 200, refillPerSecond: 10 },
  deletes: { bucket: 200, refillPerSecond: 10 },
};

export class TokenBuckets {
  readonly #state = new Map<string, { tokens: number; at: number }>();
  readonly #limits: Record<RequestKind, { bucket: number; refillPerSecond: number }>;
  readonly #now: () => number;

  constructor(options: { limits?: typeof ARM_LIMITS; now?: () => number } = {}) {
    this.#limits = options.limits ?? ARM_LIMITS;
    this.#now = options.now ?? Date.now;
  }

  /** Takes a token, or says in how many seconds (rounded up, at least 1) one will be there. */
  take(key: string, kind: RequestKind): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const limit = this.#limits[kind];
    const now = this.#now();
    const id = `${key}/${kind}`;
    const state = this.#state.get(id) ?? { tokens: limit.bucket, at: now };
    state.tokens = Math.min(limit.bucket, state.tokens + ((now - state.at) / 1000) * limit.refillPerSecond);
    state.at = now;
    this.#state.set(id, state);
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return { ok: true };
    }
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - state.tokens) / limit.refillPerSecond)),
    };
  }
}

export type GateAnswer =
  | { ok: true; principal: TwinPrincipal }
  | {
      ok: false;
      status: number;
      code: string;
      message: string;
      retryAfter?: number;
      principal?: TwinPrincipal;
    };

/** The identity, role and throttling checks, in ARM's order: authenticate, authorise, then throttle. */
export class ArmGate {
  readonly estate: TwinEstate;
  readonly #issuer: TokenIssuer;
  readonly #buckets: TokenBuckets | undefined;

  constructor(options: { estate: TwinEstate; issuer: TokenIssuer; throttle?: TokenBuckets }) {
    this.estate = options.estate;
    this.#issuer = options.issuer;
    this.#buckets = options.throttle;
  }

  check(request: {
    authorization?: string;
    method: string;
    operationId: string;
    resourceId: string;
  }): GateAnswer {
    const token = bearerOf(request.authorization);
    const verified = token ? this.#issuer.verify(token, ARM_AUDIENCE) : { problem: 'no bearer token' };
    if (!('claims' in verified)) {
      return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: verified.problem };
    }
    const principal = this.estate.byPrincipalId(verified.claims.oid);
    if (!principal) {
      return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'unknown principal' };
    }
    const action = actionOf(request.operationId);
    // ARM's message for a missing role assignment ("Troubleshoot Azure RBAC", section Access denied,
    // https://learn.microsoft.com/en-us/azure/role-based-access-control/troubleshooting).
    if (!this.estate.authorize(principal.principalId, { action }, request.resourceId).allowed) {
      return {
        ok: false,
        status: 403,
        code: 'AuthorizationFailed',
        message:
          `The client '${principal.clientId}' with object id '${principal.principalId}' (${principal.name}) does not ` +
          `have authorization to perform action '${action}' over scope '${request.resourceId}' or the scope is invalid.`,
        principal,
      };
    }
    if (this.#buckets) {
      const taken = this.#buckets.take(principal.principalId, kindOf(request.method));
      if (!taken.ok) {
        return {
          ok: false,
          status: 429,
          code: 'TooManyRequests',
          message: `The request is being throttled (${kindOf(request.method)} of ${principal.name}).`,
          retryAfter: taken.retryAfterSeconds,
          principal,
        };
      }
    }
    return { ok: true, principal };
  }
}
