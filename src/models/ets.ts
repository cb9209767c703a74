import { z } from 'zod';
import { type EtsInit, type EtsParams, type EtsStructure, initialStates, runEts } from './ets-core.ts';
import { chooseTransform, clamp, guardBand, inverse, output, summarise } from './series-math.ts';
import { targetSummary, transformedTarget } from './shared-work.ts';
import { checkRequest, copyParams, finite, finiteArray, parseParams } from './state.ts';
import {
  type FittedModel,
  type Forecast,
  type ForecastRequest,
  ModelError,
  type ModelFactory,
  type ModelState,
} from './types.ts';

/**
 * Exponential smoothing (Holt-Winters): level, optional damped trend, optional additive season, on a log
 * scale when the target is positive (so the season is multiplicative). The four structures are fitted by a
 * coarse grid plus a short pattern search on in-sample one-step SSE and compared by AIC, so a season or a
 * trend is only kept when it earns its parameters. A season needs at least two full seasons of history.
 */

export const ETS_VERSION = 1;

const etsSchema = z.object({
  transform: z.enum(['log', 'none']),
  nonNegative: z.boolean(),
  trend: z.boolean(),
  alpha: finite,
  beta: finite,
  gamma: finite,
  phi: finite,
  level: finite,
  slope: finite,
  /** Seasonal states for the periods after the fitted end: season[0] is the first forecast step's. */
  season: finiteArray,
  band: z.tuple([finite, finite]),
  features: z.number().int().min(0),
});

type Params = z.infer<typeof etsSchema>;

class Ets implements FittedModel {
  readonly kind = 'ets' as const;
  readonly #p: Params;

  constructor(params: Params) {
    this.#p = params;
  }

  forecast(request: ForecastRequest): Forecast {
    const p = this.#p;
    const horizon = checkRequest(request, p.features);
    const values = new Float64Array(horizon);
    const m = p.season.length;
    let damping = 0;
    let factor = 1;
    for (let h = 0; h < horizon; h++) {
      if (p.trend) {
        factor *= p.phi;
        damping += factor;
      }
      const v = clamp(p.level + damping * p.slope + (m > 0 ? p.season[h % m]! : 0), p.band[0], p.band[1]);
      values[h] = output(inverse(p.transform, v), p.nonNegative);
    }
    return { values, usedFallback: false };
  }

  toState(): ModelState {
    return { kind: 'ets', version: ETS_VERSION, params: copyParams(this.#p) };
  }
}

export function loadEts(params: unknown): FittedModel {
  return new Ets(parseParams('ets', ETS_VERSION, etsSchema, params));
}

const ALPHAS = [0.05, 0.2, 0.45, 0.8];
const BETAS = [0.02, 0.2];
const GAMMAS = [0.02, 0.2];
const PHIS = [0.85, 0.95];
const BOUNDS: Record<keyof EtsParams, [number, number]> = {
  alpha: [0.01, 0.99],
  beta: [0.001, 1],
  gamma: [0.001, 0.99],
  phi: [0.8, 0.98],
};

interface Candidate {
  structure: EtsStructure;
  params: EtsParams;
  sse: number;
  aic: number;
}

function search(
  z: Float64Array,
  count: number,
  structure: EtsStructure,
  init: EtsInit,
  work: Float64Array,
): Candidate {
  let best: EtsParams = { alpha: 0.3, beta: 0, gamma: 0, phi: 1 };
  let bestSse = Number.POSITIVE_INFINITY;
  // A run stops once its SSE passes the best so far (see `runEts`): it could only lose the comparison below.
  const evaluate = (params: EtsParams) => {
    // gamma is bounded by 1 - alpha so the seasonal update cannot overshoot the error.
    if (structure.season > 0 && params.gamma > 1 - params.alpha) return Number.POSITIVE_INFINITY;
    return runEts(z, structure, params, init, work, bestSse).sse;
  };
  const betas = structure.trend ? BETAS : [0];
  const gammas = structure.season > 0 ? GAMMAS : [0];
  const phis = structure.trend ? PHIS : [1];
  for (const alpha of ALPHAS) {
    for (const beta of betas) {
      for (const gamma of gammas) {
        for (const phi of phis) {
          const params = { alpha, beta, gamma, phi };
          const sse = evaluate(params);
          if (sse < bestSse) {
            bestSse = sse;
            best = params;
          }
        }
      }
    }
  }
  // Pattern search around the grid's best: a few shrinking steps per free parameter.
  const free: (keyof EtsParams)[] = ['alpha'];
  if (structure.trend) free.push('beta', 'phi');
  if (structure.season > 0) free.push('gamma');
  let step = 0.1;
  for (let round = 0; round < 3; round++, step /= 2) {
    for (const key of free) {
      const [lo, hi] = BOUNDS[key];
      for (const direction of [-1, 1]) {
        const value = clamp(best[key] + direction * step * (key === 'phi' ? 0.5 : 1), lo, hi);
        // Clamped onto the best's own value: the same run again, which cannot beat itself.
        if (value === best[key]) continue;
        const trial = { ...best, [key]: value };
        const sse = evaluate(trial);
        if (sse < bestSse) {
          bestSse = sse;
          best = trial;
        }
      }
    }
  }
  const k = 1 + free.length + (structure.trend ? 1 : 0) + (structure.season > 0 ? structure.season - 1 : 0);
  const aic = count * Math.log(Math.max(bestSse, 1e-300) / count) + 2 * k;
  return { structure, params: best, sse: bestSse, aic };
}

export const etsFactory: ModelFactory = {
  kind: 'ets',
  fit(series, context, shared) {
    const { y } = series;
    const summary = targetSummary(y, shared);
    if (summary.count < 3) throw new ModelError(`ets needs at least 3 observed values, got ${summary.count}`);
    const transform = chooseTransform(summary, false) === 'log' ? 'log' : 'none';
    const zs = transformedTarget(transform, y, shared);
    const m = context.seasonLength;
    const seasons = m >= 2 && y.length >= 2 * m ? [0, m] : [0];
    const work = new Float64Array(Math.max(m, 1));
    // The one-step errors are summed over the observed periods whatever the parameters.
    const count = summary.count;
    let best: (Candidate & { init: EtsInit }) | undefined;
    for (const season of seasons) {
      for (const trend of [false, true]) {
        const structure = { trend, season };
        const init = initialStates(zs, structure);
        const candidate = search(zs, count, structure, init, work);
        if (!best || candidate.aic < best.aic) best = { ...candidate, init };
      }
    }
    const chosen = best!;
    const run = runEts(zs, chosen.structure, chosen.params, chosen.init, work);
    const sm = chosen.structure.season;
    const season: number[] = new Array(sm);
    const finiteOr = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);
    for (let j = 0; j < sm; j++) season[j] = finiteOr(work[(y.length + j) % sm]!, 0);
    return new Ets({
      transform,
      nonNegative: summary.min >= 0,
      trend: chosen.structure.trend,
      ...chosen.params,
      level: finiteOr(run.level, transform === 'log' ? Math.log(summary.last) : summary.last),
      slope: finiteOr(run.slope, 0),
      season,
      band: guardBand(summarise(zs)),
      features: context.features.length,
    });
  },
};
