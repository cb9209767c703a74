import { z } from 'zod';
import type { CandidateKind } from '../core/vocabulary.ts';
import { checkRequest, parseParams } from './state.ts';
import {
  type FittedModel,
  type Forecast,
  type ForecastRequest,
  ModelError,
  type ModelFactory,
  type ModelState,
} from './types.ts';

/**
 * Forecast combination: the plain mean of a few member models' forecasts. Selection picks the members (the best
 * few candidates on the backtests) and scores the combination like any other candidate; averaging cancels much of
 * each member's error, which is why combinations are the most robust known winner on retail data.
 */
export const COMBO_VERSION = 1;

const memberSchema = z.object({
  kind: z.string(),
  version: z.number().int(),
  params: z.record(z.string(), z.unknown()),
});
const comboSchema = z.object({
  members: z.array(memberSchema).min(2),
  features: z.number().int().min(0),
});

class Combo implements FittedModel {
  readonly kind = 'combo' as const;
  readonly #members: FittedModel[];
  readonly #features: number;

  constructor(members: FittedModel[], features: number) {
    this.#members = members;
    this.#features = features;
  }

  /** The member kinds, in the order they were chosen (best first). */
  get members(): CandidateKind[] {
    return this.#members.map((m) => m.kind);
  }

  forecast(request: ForecastRequest): Forecast {
    const horizon = checkRequest(request, this.#features);
    const values = new Float64Array(horizon);
    const steps = new Set<number>();
    let usedFallback = false;
    for (const member of this.#members) {
      const f = member.forecast(request);
      for (let h = 0; h < horizon; h++) values[h]! += f.values[h]! / this.#members.length;
      if (f.usedFallback) usedFallback = true;
      for (const s of f.fallbackSteps ?? []) steps.add(s);
    }
    if (!usedFallback) return { values, usedFallback };
    return { values, usedFallback, fallbackSteps: [...steps].sort((a, b) => a - b) };
  }

  toState(): ModelState {
    return {
      kind: 'combo',
      version: COMBO_VERSION,
      params: { members: this.#members.map((m) => m.toState()), features: this.#features },
    };
  }
}

/** Combines already fitted members (the engine fits them; the combination itself learns nothing). */
export function combine(members: FittedModel[], features: number): FittedModel {
  if (members.length < 2)
    throw new ModelError(`a combination needs at least 2 members, got ${members.length}`);
  if (members.some((m) => m.kind === 'combo'))
    throw new ModelError('a combination cannot contain a combination');
  return new Combo(members, features);
}

/** `load` rebuilds each member from its own state (the registry's loader, passed in to avoid an import cycle). */
export function loadCombo(params: unknown, load: (state: ModelState) => FittedModel): FittedModel {
  const p = parseParams('combo', COMBO_VERSION, comboSchema, params);
  return combine(
    p.members.map((m) => load(m as ModelState)),
    p.features,
  );
}

/** A combination is assembled by selection from fitted members; it cannot be fitted on its own. */
export const comboFactory: ModelFactory = {
  kind: 'combo',
  fit() {
    throw new ModelError(
      'combo is assembled from its members by selection (see trainPartition), not fitted alone',
    );
  },
};
