import { z } from 'zod';
import { FREQUENCIES, type Frequency } from '../core/vocabulary.ts';
import { cachedHolidayFlag } from './calendar-cache.ts';
import { ridgeGcv } from './linalg.ts';
import {
  COVARIATE,
  type CompiledColumns,
  calendarValue,
  chooseColumns,
  compileColumns,
  LAG,
} from './ridge-design.ts';
import {
  chooseTransform,
  clamp,
  fillGaps,
  guardBand,
  inverse,
  output,
  summarise,
  type TargetTransform,
  transformAll,
} from './series-math.ts';
import { checkRequest, finite, finiteArray, parseParams } from './state.ts';
import {
  type FittedModel,
  type Forecast,
  type ForecastRequest,
  ModelError,
  type ModelFactory,
  type ModelState,
} from './types.ts';

/**
 * Ridge regression on lags, calendar, holidays, trend and covariates, fitted on a log scale when the target
 * allows it. Positive covariates enter as log(x) on a log scale, so their coefficient is an elasticity; 0/1
 * covariates enter linearly, so exp(coefficient) is a multiplicative lift. Multi-step forecasts are recursive
 * on the lags. Without future covariates the last observed values are used and `usedFallback` is set.
 */

export const RIDGE_VERSION = 1;

const ridgeSchema = z.object({
  transform: z.enum(['log', 'log1p', 'none']),
  nonNegative: z.boolean(),
  frequency: z.enum(FREQUENCIES),
  /** Periods in the fitted series: the trend index of the first forecast step. */
  length: z.number().int().min(1),
  features: z.array(z.object({ name: z.string(), transform: z.enum(['log', 'linear']), last: finite })),
  columns: z.array(z.string()),
  coef: finiteArray,
  intercept: finite,
  /** The last `maxLag` values on the fitted scale, oldest first. */
  tail: finiteArray,
  band: z.tuple([finite, finite]),
  lambda: finite,
});

export type RidgeParams = z.infer<typeof ridgeSchema>;

class Ridge implements FittedModel {
  readonly kind = 'ridge' as const;
  readonly #p: RidgeParams;
  readonly #columns: CompiledColumns;
  readonly #usesFeature: boolean[];

  constructor(params: RidgeParams, columns: CompiledColumns) {
    this.#p = params;
    this.#columns = columns;
    this.#usesFeature = params.features.map((_, j) =>
      Array.from(columns.codes).some((code, c) => code === COVARIATE && columns.args[c] === j),
    );
  }

  forecast(request: ForecastRequest): Forecast {
    const p = this.#p;
    const horizon = checkRequest(request, p.features.length);
    const { codes, args } = this.#columns;
    const covariates = this.#covariates(request, horizon);
    const z = new Float64Array(horizon);
    const values = new Float64Array(horizon);
    const [lo, hi] = p.band;
    const tail = p.tail;
    for (let h = 0; h < horizon; h++) {
      const day = request.times[h]!;
      let v = p.intercept;
      for (let c = 0; c < codes.length; c++) {
        const code = codes[c]!;
        const arg = args[c]!;
        let x: number;
        if (code === LAG) x = h >= arg ? z[h - arg]! : tail[tail.length + h - arg]!;
        else if (code === COVARIATE) x = covariates.values[arg]![h]!;
        else x = calendarValue(code, arg, day, p.length + h, p.frequency);
        v += p.coef[c]! * x;
      }
      v = clamp(v, lo, hi);
      z[h] = v;
      values[h] = output(inverse(p.transform, v), p.nonNegative);
    }
    return covariates.steps.length > 0
      ? { values, usedFallback: true, fallbackSteps: covariates.steps }
      : { values, usedFallback: false };
  }

  /** The horizon's covariates on the fitted scale, with the last observed value wherever one is missing. */
  #covariates(request: ForecastRequest, horizon: number) {
    const fellBack = new Uint8Array(horizon);
    const values = this.#p.features.map((feature, j) => {
      const out = new Float64Array(horizon);
      if (!this.#usesFeature[j]) return out;
      const future = request.future?.[j];
      for (let h = 0; h < horizon; h++) {
        let x = future?.[h];
        if (x === undefined || !Number.isFinite(x)) {
          fellBack[h] = 1;
          x = feature.last;
        }
        if (feature.transform === 'log') {
          if (!(x > 0)) {
            throw new ModelError(
              `feature "${feature.name}" enters the model as log(${feature.name}) and must be > 0; got ${x} at horizon step ${h + 1}`,
            );
          }
          x = Math.log(x);
        }
        out[h] = x;
      }
      return out;
    });
    const steps: number[] = [];
    for (let h = 0; h < horizon; h++) if (fellBack[h]) steps.push(h);
    return { values, steps };
  }

  toState(): ModelState {
    return { kind: 'ridge', version: RIDGE_VERSION, params: structuredClone(this.#p) };
  }
}

function build(params: RidgeParams): Ridge {
  const columns = compileColumns(params.columns);
  if (typeof columns === 'string') {
    throw new ModelError(`invalid ridge model state (version ${RIDGE_VERSION}): unknown column "${columns}"`);
  }
  if (params.coef.length !== params.columns.length) {
    throw new ModelError(
      `invalid ridge model state (version ${RIDGE_VERSION}): ${params.columns.length} columns but ${params.coef.length} coefficients`,
    );
  }
  if (params.tail.length < columns.maxLag) {
    throw new ModelError(
      `invalid ridge model state (version ${RIDGE_VERSION}): lag ${columns.maxLag} needs ${columns.maxLag} tail values, got ${params.tail.length}`,
    );
  }
  for (let c = 0; c < columns.codes.length; c++) {
    if (columns.codes[c] === COVARIATE && columns.args[c]! >= params.features.length) {
      throw new ModelError(
        `invalid ridge model state (version ${RIDGE_VERSION}): column "${params.columns[c]}" names a missing feature`,
      );
    }
  }
  return new Ridge(params, columns);
}

export function loadRidge(params: unknown): FittedModel {
  return build(parseParams('ridge', RIDGE_VERSION, ridgeSchema, params));
}

function countHolidays(time: Int32Array, frequency: Frequency): number {
  let count = 0;
  for (let i = 0; i < time.length; i++) count += cachedHolidayFlag(time[i]!, frequency);
  return count;
}

export const ridgeFactory: ModelFactory = {
  kind: 'ridge',
  fit(series, context) {
    const { y, time, x } = series;
    const n = y.length;
    if (x.length !== context.features.length) {
      throw new ModelError(`ridge: ${context.features.length} features configured but ${x.length} given`);
    }
    const target = summarise(y);
    if (target.count < 2) throw new ModelError(`ridge needs at least 2 observed values, got ${target.count}`);
    const transform: TargetTransform = chooseTransform(target, true);
    const z = transformAll(transform, y);
    const filled = fillGaps(z);

    const features = context.features.map((name, j) => {
      const s = summarise(x[j]!);
      const log = transform !== 'none' && s.min > 0;
      return {
        name,
        transform: log ? ('log' as const) : ('linear' as const),
        last: s.count > 0 ? s.last : 0,
        s,
      };
    });
    const xs = features.map((f, j) => (f.transform === 'log' ? x[j]!.map(Math.log) : x[j]!));
    const names = chooseColumns({
      frequency: context.frequency,
      seasonLength: context.seasonLength,
      length: n,
      observed: target.count,
      spanDays: n > 0 ? time[n - 1]! - time[0]! : 0,
      holidayCount: countHolidays(time, context.frequency),
      covariates: features.flatMap((f, j) => (f.s.count >= 2 && f.s.max > f.s.min ? [j] : [])),
    });
    const compiled = compileColumns(names) as CompiledColumns;

    // Rows with an observed target, full lags and observed covariates.
    const rowIndex = new Int32Array(n);
    let rows = 0;
    for (let t = compiled.maxLag; t < n; t++) {
      if (!Number.isFinite(z[t]!)) continue;
      let ok = true;
      for (let c = 0; c < names.length && ok; c++) {
        if (compiled.codes[c] === COVARIATE) ok = Number.isFinite(xs[compiled.args[c]!]![t]!);
      }
      if (ok) rowIndex[rows++] = t;
    }
    if (rows < 2)
      throw new ModelError(`ridge needs at least 2 complete rows (target, lags, covariates), got ${rows}`);

    // Column-major design; constant columns are dropped (they would only duplicate the intercept).
    const kept: string[] = [];
    const design = new Float64Array(names.length * rows);
    let p = 0;
    for (let c = 0; c < names.length; c++) {
      const code = compiled.codes[c]!;
      const arg = compiled.args[c]!;
      const o = p * rows;
      for (let i = 0; i < rows; i++) {
        const t = rowIndex[i]!;
        design[o + i] =
          code === LAG
            ? filled[t - arg]!
            : code === COVARIATE
              ? xs[arg]![t]!
              : calendarValue(code, arg, time[t]!, t, context.frequency);
      }
      let lo = design[o]!;
      let hi = lo;
      for (let i = 1; i < rows; i++) {
        const v = design[o + i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo > 1e-12 * (1 + Math.abs(lo))) {
        kept.push(names[c]!);
        p++;
      }
    }
    const response = new Float64Array(rows);
    for (let i = 0; i < rows; i++) response[i] = z[rowIndex[i]!]!;
    const fit = ridgeGcv(design.subarray(0, p * rows), p, rows, response);

    const maxLag = (compileColumns(kept) as CompiledColumns).maxLag;
    return build({
      transform,
      nonNegative: target.min >= 0,
      frequency: context.frequency,
      length: n,
      features: features.map(({ name, transform: t, last }) => ({ name, transform: t, last })),
      columns: kept,
      coef: Array.from(fit.coef),
      intercept: fit.intercept,
      tail: Array.from(filled.subarray(n - maxLag)),
      band: guardBand(summarise(z)),
      lambda: fit.lambda,
    });
  },
};
