import type { CandidateKind } from '../core/vocabulary.ts';
import { checkRequest } from './state.ts';
import type { FittedModel, Forecast, ForecastRequest, ModelState } from './types.ts';

/**
 * A model whose forecast is one level for every period ahead (naive's last value, the mean, an intermittent demand
 * rate): the kinds differ only in how they fit that level and in the parameters they keep.
 */
export class FlatModel<P extends { features: number }> implements FittedModel {
  readonly kind: CandidateKind;
  readonly #version: number;
  readonly #params: P;
  readonly #level: number;

  constructor(kind: CandidateKind, version: number, params: P, level: (params: P) => number) {
    this.kind = kind;
    this.#version = version;
    this.#params = params;
    this.#level = level(params);
  }

  forecast(request: ForecastRequest): Forecast {
    const horizon = checkRequest(request, this.#params.features);
    return { values: new Float64Array(horizon).fill(this.#level), usedFallback: false };
  }

  toState(): ModelState {
    return { kind: this.kind, version: this.#version, params: { ...this.#params } };
  }
}
