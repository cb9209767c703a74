import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { sleep } from '../util/sleep.ts';

/**
 * A client-side token bucket sized to Azure Resource Manager's documented throttling, so a big registration
 * paces itself instead of spending its time in 429s and Retry-After waits. ARM's limits since 2024 are per
 * subscription, per principal and per operation type: buckets of 250 reads refilled at 25/s, 200 writes at 10/s,
 * 200 deletes at 10/s ("Understand how Azure Resource Manager throttles requests", section Regional throttling
 * and token bucket algorithm, https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
 * The defaults keep 10 % for the principal's other callers (the CLI, the studio, a second step).
 */
export type RequestKind = 'reads' | 'writes' | 'deletes';
export type Limits = Record<RequestKind, { bucket: number; refillPerSecond: number }>;

export const ARM_DOCUMENTED_LIMITS: Limits = {
  reads: { bucket: 250, refillPerSecond: 25 },
  writes: { bucket: 200, refillPerSecond: 10 },
  deletes: { bucket: 200, refillPerSecond: 10 },
};

export function withHeadroom(limits: Limits, share = 0.9): Limits {
  const scale = (l: { bucket: number; refillPerSecond: number }) => ({
    bucket: Math.max(1, Math.floor(l.bucket * share)),
    refillPerSecond: l.refillPerSecond * share,
  });
  return { reads: scale(limits.reads), writes: scale(limits.writes), deletes: scale(limits.deletes) };
}

export interface BudgetOptions {
  limits?: Limits;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class ArmBudget {
  readonly limits: Limits;
  /** Milliseconds spent waiting for a token, per kind (for progress and benchmarks). */
  readonly waitedMs: Record<RequestKind, number> = { reads: 0, writes: 0, deletes: 0 };
  readonly #state = new Map<RequestKind, { tokens: number; at: number }>();
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: BudgetOptions = {}) {
    this.limits = options.limits ?? withHeadroom(ARM_DOCUMENTED_LIMITS);
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
  }

  /** Waits until a request of this kind fits the budget, then spends one token. Callers are served in order. */
  take(kind: RequestKind, signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#take(kind, signal));
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #take(kind: RequestKind, signal?: AbortSignal): Promise<void> {
    const limit = this.limits[kind];
    while (true) {
      const now = this.#now();
      const state = this.#state.get(kind) ?? { tokens: limit.bucket, at: now };
      state.tokens = Math.min(limit.bucket, state.tokens + ((now - state.at) / 1000) * limit.refillPerSecond);
      state.at = now;
      this.#state.set(kind, state);
      if (state.tokens >= 1) {
        state.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - state.tokens) / limit.refillPerSecond) * 1000);
      this.waitedMs[kind] += waitMs;
      await this.#sleep(waitMs, signal);
    }
  }
}

export function kindOf(method: string): RequestKind {
  return method === 'GET' || method === 'HEAD' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes';
}

/** One budget per process and subscription: ARM counts per principal, and a process signs in as one. */
const shared = new Map<string, ArmBudget>();
export function sharedBudget(subscriptionId: string): ArmBudget {
  const found = shared.get(subscriptionId) ?? new ArmBudget();
  shared.set(subscriptionId, found);
  return found;
}

/** A pipeline policy that takes a token before every request (retries included: ARM counts them too). */
export function armBudgetPolicy(budget: ArmBudget): PipelinePolicy {
  return {
    name: 'manyModelsArmBudget',
    async sendRequest(request, next) {
      // The pipeline's AbortSignalLike is a DOM AbortSignal at run time in Node.
      await budget.take(kindOf(request.method), request.abortSignal as AbortSignal | undefined);
      return next(request);
    },
  };
}
