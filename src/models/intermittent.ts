import { z } from 'zod';
import { FlatModel } from './flat.ts';
import { summarise } from './series-math.ts';
import { finite, parseParams } from './state.ts';
import { type FittedModel, ModelError, type ModelFactory } from './types.ts';

/**
 * Intermittent demand (many zero periods): Croston's method, its bias-corrected variant SBA (Syntetos-Boylan)
 * and TSB (Teunter-Syntetos-Babai), each smoothing demand size and occurrence separately, which a level model
 * fitted to the zeros and spikes together cannot. The method and its smoothing constants are chosen by in-sample
 * one-step squared error. Croston and SBA update only when demand occurs (the interval since the last demand is
 * smoothed); TSB updates the probability of demand every period, so an item that stops selling decays to zero.
 * The forecast is flat: the expected demand per period. A missing period (NaN) updates nothing.
 */

export const INTERMITTENT_VERSION = 1;

const METHODS = ['croston', 'sba', 'tsb'] as const;
type Method = (typeof METHODS)[number];

const intermittentSchema = z.object({
  method: z.enum(METHODS),
  alpha: finite,
  beta: finite,
  /** Expected demand per period: the flat forecast. */
  rate: finite,
  features: z.number().int().min(0),
});
type IntermittentParams = z.infer<typeof intermittentSchema>;

const newIntermittent = (params: IntermittentParams): FittedModel =>
  new FlatModel('intermittent', INTERMITTENT_VERSION, params, (p) => p.rate);

export function loadIntermittent(params: unknown): FittedModel {
  return newIntermittent(parseParams('intermittent', INTERMITTENT_VERSION, intermittentSchema, params));
}

/** Share of observed periods with zero demand; NaN without observations. */
export function zeroShare(y: ArrayLike<number>): number {
  let zeros = 0;
  let observed = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) continue;
    observed++;
    if (v === 0) zeros++;
  }
  return observed === 0 ? Number.NaN : zeros / observed;
}

interface Run {
  sse: number;
  rate: number;
}

/** Croston (bias 1) or SBA (bias 1 - alpha / 2): size and interval smoothed at each demand. */
function runCroston(y: ArrayLike<number>, alpha: number, bias: number, init: Init): Run {
  let size = init.size;
  let interval = init.interval;
  let since = 1;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const v = y[t]!;
    if (!Number.isFinite(v)) continue;
    const e = v - (bias * size) / interval;
    sse += e * e;
    if (v > 0) {
      size += alpha * (v - size);
      interval += alpha * (since - interval);
      since = 1;
    } else {
      since++;
    }
  }
  return { sse, rate: (bias * size) / interval };
}

/** TSB: the probability of demand is updated every period (by beta), the size at each demand (by alpha). */
function runTsb(y: ArrayLike<number>, alpha: number, beta: number, init: Init): Run {
  let size = init.size;
  let p = init.probability;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const v = y[t]!;
    if (!Number.isFinite(v)) continue;
    const e = v - p * size;
    sse += e * e;
    if (v > 0) {
      p += beta * (1 - p);
      size += alpha * (v - size);
    } else {
      p -= beta * p;
    }
  }
  return { sse, rate: p * size };
}

interface Init {
  size: number;
  interval: number;
  probability: number;
}

/** Starting states from the whole series: mean demand size, mean interval and share of periods with demand. */
function initialise(y: ArrayLike<number>): Init {
  let observed = 0;
  let demands = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) continue;
    observed++;
    if (v > 0) {
      demands++;
      total += v;
    }
  }
  return { size: total / demands, interval: observed / demands, probability: demands / observed };
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3];
const BETAS = [0.02, 0.05, 0.1, 0.2];

export const intermittentFactory: ModelFactory = {
  kind: 'intermittent',
  fit(series, context) {
    const { y } = series;
    const summary = summarise(y);
    if (summary.count > 0 && summary.min < 0) {
      throw new ModelError(`intermittent demand needs a non-negative target; its minimum is ${summary.min}`);
    }
    const init = initialise(y);
    if (summary.count === 0) throw new ModelError('the series has no observed (non-missing) values');
    // No demand at all: nothing to smooth, the expected demand is 0.
    if (!(init.size > 0)) {
      return newIntermittent({
        method: 'tsb',
        alpha: 0,
        beta: 0,
        rate: 0,
        features: context.features.length,
      });
    }
    let best: { method: Method; alpha: number; beta: number; run: Run } | undefined;
    const consider = (method: Method, alpha: number, beta: number, run: Run) => {
      if (!best || run.sse < best.run.sse) best = { method, alpha, beta, run };
    };
    for (const alpha of ALPHAS) {
      consider('croston', alpha, 0, runCroston(y, alpha, 1, init));
      consider('sba', alpha, 0, runCroston(y, alpha, 1 - alpha / 2, init));
      for (const beta of BETAS) consider('tsb', alpha, beta, runTsb(y, alpha, beta, init));
    }
    const chosen = best!;
    return newIntermittent({
      method: chosen.method,
      alpha: chosen.alpha,
      beta: chosen.beta,
      rate: Math.max(0, chosen.run.rate) + 0,
      features: context.features.length,
    });
  },
};
