import { z } from 'zod';
import { cholesky, choleskySolve } from './linalg.ts';
import { finiteRidge, fitRidge, loadRidge } from './ridge.ts';
import { clamp, forward, inverse, output } from './series-math.ts';
import { copyParams, finite, finiteArray, parseParams } from './state.ts';
import {
  type FittedModel,
  type Forecast,
  type ForecastRequest,
  ModelError,
  type ModelFactory,
  type ModelState,
} from './types.ts';

/**
 * Regression with autoregressive errors (the idea of R's auto.arima with xreg, kept cheap): a ridge regression on
 * covariates, calendar, holidays and trend (no lags of the target), and an AR(p) model, p in 0..3 by AIC, on its
 * in-sample residuals. The regression explains what the plan drives (price, promotion, season); the AR part
 * carries the recent run of the errors forward and decays to zero, so a level shift is followed for a few periods
 * without the recursive lags feeding the forecast back on itself. Both on the ridge's scale (log for a positive
 * target, so the errors are relative).
 */

export const ARX_VERSION = 1;

const MAX_ORDER = 3;

const arxSchema = z.object({
  /** The regression's own state (a ridge state without lag columns). */
  regression: z.record(z.string(), z.unknown()),
  /** AR coefficients, lag 1 first; empty for white-noise errors. */
  ar: finiteArray.max(MAX_ORDER),
  /** The last `ar.length` residuals on the fitted scale, oldest first. */
  tail: finiteArray,
  transform: z.enum(['log', 'log1p', 'none']),
  nonNegative: z.boolean(),
  band: z.tuple([finite, finite]),
});
type ArxParams = z.infer<typeof arxSchema>;

class Arx implements FittedModel {
  readonly kind = 'arx' as const;
  readonly #p: ArxParams;
  readonly #regression: FittedModel;

  /** `regression`: the ridge model of `params.regression` when the caller has just fitted it (no re-parse). */
  constructor(params: ArxParams, regression?: FittedModel) {
    if (params.tail.length !== params.ar.length) {
      throw new ModelError(
        `invalid arx model state (version ${ARX_VERSION}): ${params.ar.length} AR coefficients but ${params.tail.length} residuals`,
      );
    }
    this.#p = params;
    this.#regression = regression ?? loadRidge(params.regression);
  }

  forecast(request: ForecastRequest): Forecast {
    const p = this.#p;
    const base = this.#regression.forecast(request);
    const order = p.ar.length;
    const errors = [...p.tail];
    const values = new Float64Array(base.values.length);
    for (let h = 0; h < values.length; h++) {
      let e = 0;
      for (let i = 0; i < order; i++) e += p.ar[i]! * errors[errors.length - 1 - i]!;
      errors.push(e);
      const v = clamp(forward(p.transform, base.values[h]!) + e, p.band[0], p.band[1]);
      values[h] = output(inverse(p.transform, v), p.nonNegative);
    }
    return base.fallbackSteps
      ? { values, usedFallback: true, fallbackSteps: base.fallbackSteps }
      : { values, usedFallback: base.usedFallback };
  }

  toState(): ModelState {
    return { kind: 'arx', version: ARX_VERSION, params: copyParams(this.#p) };
  }
}

export function loadArx(params: unknown): FittedModel {
  return new Arx(parseParams('arx', ARX_VERSION, arxSchema, params));
}

export interface ArFit {
  /** Lag 1 first. */
  coef: number[];
  aic: number;
}

/**
 * AR(p) on a series with gaps by least squares, for p = 0..maxOrder on one common sample (the periods with
 * all `maxOrder` lags observed), the order with the lowest AIC winning. Coefficients whose absolute sum reaches
 * 0.98 are scaled down to it, so the forecast errors always decay.
 */
export function fitAr(e: Float64Array, maxOrder = MAX_ORDER): ArFit {
  const rows: number[] = [];
  for (let t = maxOrder; t < e.length; t++) {
    let ok = Number.isFinite(e[t]!);
    for (let i = 1; i <= maxOrder && ok; i++) ok = Number.isFinite(e[t - i]!);
    if (ok) rows.push(t);
  }
  const n = rows.length;
  let sse0 = 0;
  for (const t of rows) sse0 += e[t]! * e[t]!;
  let best: ArFit = { coef: [], aic: n * Math.log(Math.max(sse0, 1e-300) / Math.max(n, 1)) };
  if (n < 4 * (maxOrder + 1)) return best;
  for (let p = 1; p <= maxOrder; p++) {
    const xtx = new Float64Array(p * p);
    const xty = new Float64Array(p);
    for (const t of rows) {
      for (let i = 0; i < p; i++) {
        const xi = e[t - 1 - i]!;
        xty[i] = xty[i]! + xi * e[t]!;
        for (let j = 0; j <= i; j++) xtx[i * p + j] = xtx[i * p + j]! + xi * e[t - 1 - j]!;
      }
    }
    for (let i = 0; i < p; i++) {
      for (let j = i + 1; j < p; j++) xtx[i * p + j] = xtx[j * p + i]!;
      xtx[i * p + i] = xtx[i * p + i]! * (1 + 1e-9) + 1e-12;
    }
    if (!cholesky(xtx, p)) continue;
    choleskySolve(xtx, p, xty);
    const coef = Array.from(xty);
    const total = coef.reduce((s, c) => s + Math.abs(c), 0);
    if (total > 0.98) for (let i = 0; i < p; i++) coef[i] = (coef[i]! * 0.98) / total;
    let sse = 0;
    for (const t of rows) {
      let r = e[t]!;
      for (let i = 0; i < p; i++) r -= coef[i]! * e[t - 1 - i]!;
      sse += r * r;
    }
    const aic = n * Math.log(Math.max(sse, 1e-300) / n) + 2 * p;
    if (aic < best.aic) best = { coef, aic };
  }
  return best;
}

export const arxFactory: ModelFactory = {
  kind: 'arx',
  fit(series, context, shared) {
    const { model, params, residuals } = fitRidge(series, context, { lags: false, residuals: true }, shared);
    const ar = fitAr(residuals);
    // The errors the AR part continues: the last residuals, a gap counting as zero (no information).
    const tail = ar.coef.map((_, i) => {
      const v = residuals[residuals.length - ar.coef.length + i];
      return v !== undefined && Number.isFinite(v) ? v : 0;
    });
    return new Arx(
      {
        regression: params as unknown as Record<string, unknown>,
        ar: ar.coef,
        tail,
        transform: params.transform,
        nonNegative: params.nonNegative,
        band: params.band,
      },
      // The fitted regression as it is when its numbers are all finite (what loading its state would accept);
      // otherwise loading it fails with the state's message, as it always did.
      finiteRidge(params) ? model : undefined,
    );
  },
};
