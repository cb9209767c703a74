import { z } from 'zod';
import { FlatModel } from './flat.ts';
import { output, summarise } from './series-math.ts';
import { checkRequest, finite, finiteArray, parseParams } from './state.ts';
import {
  type FittedModel,
  type Forecast,
  type ForecastRequest,
  ModelError,
  type ModelFactory,
  type ModelState,
  type SeriesContext,
} from './types.ts';

/** The baselines: repeat the last observation, or the last observed season. */

export const NAIVE_VERSION = 1;
export const SEASONAL_NAIVE_VERSION = 1;

const naiveSchema = z.object({ last: finite, features: z.number().int().min(0) });
const seasonalSchema = z.object({ season: finiteArray.min(1), features: z.number().int().min(0) });

type NaiveParams = z.infer<typeof naiveSchema>;
type SeasonalParams = z.infer<typeof seasonalSchema>;

const newNaive = (params: NaiveParams): FittedModel =>
  new FlatModel('naive', NAIVE_VERSION, params, (p) => p.last);

class SeasonalNaive implements FittedModel {
  readonly kind = 'seasonal_naive' as const;
  readonly #params: SeasonalParams;

  constructor(params: SeasonalParams) {
    this.#params = params;
  }

  forecast(request: ForecastRequest): Forecast {
    const horizon = checkRequest(request, this.#params.features);
    const { season } = this.#params;
    const values = new Float64Array(horizon);
    for (let h = 0; h < horizon; h++) values[h] = season[h % season.length]!;
    return { values, usedFallback: false };
  }

  toState(): ModelState {
    return {
      kind: 'seasonal_naive',
      version: SEASONAL_NAIVE_VERSION,
      params: { season: [...this.#params.season], features: this.#params.features },
    };
  }
}

function lastObserved(y: Float64Array): number {
  const { last } = summarise(y);
  if (Number.isNaN(last)) throw new ModelError('the series has no observed (non-missing) values');
  return last;
}

export const naiveFactory: ModelFactory = {
  kind: 'naive',
  fit(series, context: SeriesContext) {
    return newNaive({ last: output(lastObserved(series.y), false), features: context.features.length });
  },
};

export const seasonalNaiveFactory: ModelFactory = {
  kind: 'seasonal_naive',
  fit(series, context: SeriesContext) {
    const { y } = series;
    const m = context.seasonLength;
    if (y.length < m) {
      throw new ModelError(`seasonal naive needs at least one full season (${m} periods), got ${y.length}`);
    }
    const fallback = lastObserved(y);
    // season[0] is the period one season before the first forecast step; a gap borrows from earlier
    // seasons at the same position, then from the last observation.
    const season: number[] = new Array(m);
    for (let j = 0; j < m; j++) {
      let value = fallback;
      for (let i = y.length - m + j; i >= 0; i -= m) {
        if (Number.isFinite(y[i]!)) {
          value = y[i]!;
          break;
        }
      }
      season[j] = output(value, false);
    }
    return new SeasonalNaive({ season, features: context.features.length });
  },
};

export function loadNaive(params: unknown): FittedModel {
  return newNaive(parseParams('naive', NAIVE_VERSION, naiveSchema, params));
}

export function loadSeasonalNaive(params: unknown): FittedModel {
  return new SeasonalNaive(parseParams('seasonal_naive', SEASONAL_NAIVE_VERSION, seasonalSchema, params));
}
