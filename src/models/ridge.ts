import { z } from 'zod';
import { FREQUENCIES, type Frequency } from '../core/vocabulary.ts';
import { calendarColumn } from './calendar-columns.ts';
import { ridgeGcv } from './linalg.ts';
import {
  COVARIATE,
  type CompiledColumns,
  calendarValue,
  chooseColumns,
  compileColumns,
  HOLIDAY,
  LAG,
} from './ridge-design.ts';
import { buildDesign, completeRows } from './ridge-matrix.ts';
import {
  chooseTransform,
  clamp,
  fillGaps,
  guardBand,
  inverse,
  output,
  summarise,
  type TargetSummary,
  type TargetTransform,
} from './series-math.ts';
import { type SharedWork, sharedOr, targetSummary, transformedTarget } from './shared-work.ts';
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
        const planned = future?.[h];
        // A missing planned value falls back for that step only, and the step is reported; so does one that
        // cannot enter on the log scale (a display share of 0 after a history without one) when lenient.
        const usable =
          planned !== undefined && Number.isFinite(planned) && (feature.transform !== 'log' || planned > 0);
        if (!usable && request.lenient !== true && planned !== undefined && Number.isFinite(planned)) {
          throw new ModelError(
            `feature "${feature.name}" enters the model as log(${feature.name}) and must be > 0; got ${planned} at horizon step ${h + 1}`,
          );
        }
        if (!usable) fellBack[h] = 1;
        const x = usable ? planned : feature.last;
        out[h] = feature.transform === 'log' ? Math.log(x) : x;
      }
      return out;
    });
    const steps: number[] = [];
    for (let h = 0; h < horizon; h++) if (fellBack[h]) steps.push(h);
    return { values, steps };
  }

  toState(): ModelState {
    return { kind: 'ridge', version: RIDGE_VERSION, params: copyParams(this.#p) };
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

/** Whether every number of a fitted ridge's params is finite: the one check loading its state could fail on. */
export function finiteRidge(p: RidgeParams): boolean {
  const all = (xs: readonly number[]) => xs.every(Number.isFinite);
  return (
    Number.isFinite(p.intercept) &&
    Number.isFinite(p.lambda) &&
    all(p.coef) &&
    all(p.tail) &&
    all(p.band) &&
    p.features.every((f) => Number.isFinite(f.last))
  );
}

export function loadRidge(params: unknown): FittedModel {
  return build(parseParams('ridge', RIDGE_VERSION, ridgeSchema, params));
}

function countHolidays(time: Int32Array, frequency: Frequency): number {
  const flags = calendarColumn(HOLIDAY, 0, time, frequency);
  let count = 0;
  for (let i = 0; i < time.length; i++) count += flags[i]!;
  return count;
}

interface ScaledFeature {
  name: string;
  transform: 'log' | 'linear';
  last: number;
  /** At least two distinct observed values: worth a column. */
  varies: boolean;
}

/** |Pearson correlation| of the target with f(x) over the periods where both are observed; 0 when undefined. */
function absCorrelation(z: Float64Array, x: Float64Array, f: (v: number) => number): number {
  let n = 0;
  let sz = 0;
  let sx = 0;
  let szz = 0;
  let sxx = 0;
  let szx = 0;
  for (let t = 0; t < z.length; t++) {
    const a = z[t]!;
    const b = x[t]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    const v = f(b);
    n++;
    sz += a;
    sx += v;
    szz += a * a;
    sxx += v * v;
    szx += a * v;
  }
  const cov = szx - (sz * sx) / n;
  const denom = Math.sqrt((szz - (sz * sz) / n) * (sxx - (sx * sx) / n));
  return n > 2 && denom > 0 ? Math.abs(cov / denom) : 0;
}

function logOf(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.log(x[i]!);
  return out;
}

/** How much better (in |correlation|) the level must track the target for a positive covariate to leave the log. */
const LOG_MARGIN = 0.05;

/**
 * A covariate enters as log(x) on a log target scale when it is always positive and its log tracks the target
 * about as well as its level does (within LOG_MARGIN; over a narrow range such as a price they are alike) (a price: the coefficient is an elasticity); else linearly (a display share
 * that happens to be positive in history: its log would blow small shares up and break on a later 0).
 */
function scaleFeatures(
  names: readonly string[],
  x: readonly Float64Array[],
  transform: TargetTransform,
  z: Float64Array,
) {
  const features: ScaledFeature[] = names.map((name, j) => {
    const s = summarise(x[j]!);
    const logFits =
      transform !== 'none' &&
      s.min > 0 &&
      absCorrelation(z, x[j]!, Math.log) + LOG_MARGIN >= absCorrelation(z, x[j]!, (v) => v);
    return {
      name,
      transform: logFits ? 'log' : 'linear',
      last: s.count > 0 ? s.last : 0,
      varies: s.count >= 2 && s.max > s.min,
    };
  });
  const xs = features.map((f, j) => (f.transform === 'log' ? logOf(x[j]!) : x[j]!));
  return { features, xs };
}

export interface RidgeFitOptions {
  /** Lag columns (the default); off for a regression whose errors another model carries (see `arx.ts`). */
  lags?: boolean;
  /** Compute the in-sample residuals (a pass over the design the plain fit does not need). */
  residuals?: boolean;
}

export interface RidgeFit {
  model: FittedModel;
  params: RidgeParams;
  /**
   * In-sample residuals on the fitted scale, one per period; NaN where the period was not a complete row. Empty
   * unless asked for.
   */
  residuals: Float64Array;
}

/** The ridge fit behind `ridgeFactory`, with its in-sample residuals. */
/** What the ridge and arx fits on a window have in common: the target and covariates on their fitted scales. */
function prepare(
  series: Parameters<ModelFactory['fit']>[0],
  context: Parameters<ModelFactory['fit']>[1],
  target: TargetSummary,
  shared: SharedWork | undefined,
) {
  const transform: TargetTransform = chooseTransform(target, true);
  const z = transformedTarget(transform, series.y, shared);
  const filled = fillGaps(z);
  const { features, xs } = scaleFeatures(context.features, series.x, transform, z);
  const holidayCount = countHolidays(series.time, context.frequency);
  return { transform, z, filled, features, xs, holidayCount, band: guardBand(summarise(z)) };
}

/**
 * Design buffers reused from fit to fit: a design never outlives its fit, and fits run one at a time in a thread,
 * so a partition's few ridge fits do not each allocate (and collect) a matrix and its copy.
 */
const buffers = { design: new Float64Array(0), raw: new Float64Array(0) };

function buffer(which: keyof typeof buffers, size: number): Float64Array {
  if (buffers[which].length < size) buffers[which] = new Float64Array(size);
  return buffers[which].subarray(0, size);
}

export function fitRidge(
  series: Parameters<ModelFactory['fit']>[0],
  context: Parameters<ModelFactory['fit']>[1],
  options: RidgeFitOptions = {},
  shared?: SharedWork,
): RidgeFit {
  const { y, time, x } = series;
  const n = y.length;
  if (x.length !== context.features.length) {
    throw new ModelError(`ridge: ${context.features.length} features configured but ${x.length} given`);
  }
  const target = targetSummary(y, shared);
  if (target.count < 2) throw new ModelError(`ridge needs at least 2 observed values, got ${target.count}`);
  const { transform, z, filled, features, xs, holidayCount, band } = sharedOr(shared, 'ridge', () =>
    prepare(series, context, target, shared),
  );

  const chosen = chooseColumns({
    frequency: context.frequency,
    seasonLength: context.seasonLength,
    length: n,
    observed: target.count,
    spanDays: n > 0 ? time[n - 1]! - time[0]! : 0,
    holidayCount,
    covariates: features.flatMap((f, j) => (f.varies ? [j] : [])),
    trend: context.trend !== false,
  });
  const names = options.lags === false ? chosen.filter((c) => !c.startsWith('lag:')) : chosen;
  const columns = compileColumns(names) as CompiledColumns;
  const rowIndex = completeRows(z, xs, columns);
  if (rowIndex.length < 2) {
    throw new ModelError(
      `ridge needs at least 2 complete rows (target, lags, covariates), got ${rowIndex.length}`,
    );
  }
  const design = buildDesign({
    names,
    columns,
    rowIndex,
    filled,
    z,
    xs,
    time,
    frequency: context.frequency,
    into: buffer('design', names.length * rowIndex.length),
  });
  // ridgeGcv centres and scales the design in place; the residuals need it in the columns' own units.
  let raw = design.matrix;
  if (options.residuals) {
    raw = buffer('raw', design.matrix.length);
    raw.set(design.matrix);
  }
  const fit = ridgeGcv(design.matrix, design.kept.length, design.rows, design.response);

  const residuals = new Float64Array(options.residuals ? n : 0).fill(Number.NaN);
  for (let i = 0; options.residuals && i < design.rows; i++) {
    let v = design.response[i]! - fit.intercept;
    for (let c = 0; c < design.kept.length; c++) v -= fit.coef[c]! * raw[c * design.rows + i]!;
    residuals[rowIndex[i]!] = v;
  }
  const kept =
    design.kept.length === names.length ? columns : (compileColumns(design.kept) as CompiledColumns);
  const maxLag = kept.maxLag;
  const params: RidgeParams = {
    transform,
    nonNegative: target.min >= 0,
    frequency: context.frequency,
    length: n,
    features: features.map(({ name, transform: t, last }) => ({ name, transform: t, last })),
    columns: design.kept,
    coef: Array.from(fit.coef),
    intercept: fit.intercept,
    tail: Array.from(filled.subarray(n - maxLag)),
    band: [band[0], band[1]],
    lambda: fit.lambda,
  };
  // What `build` checks holds by construction here (one coefficient per kept column, a tail as long as its lags).
  return { model: new Ridge(params, kept), params, residuals };
}

export const ridgeFactory: ModelFactory = {
  kind: 'ridge',
  fit(series, context, shared) {
    return fitRidge(series, context, {}, shared).model;
  },
};
