import type { CandidateKind, Frequency } from '../core/vocabulary.ts';
import type { SharedWork } from './shared-work.ts';

/** What every model needs to know about the series beyond its values. */
export interface SeriesContext {
  frequency: Frequency;
  seasonLength: number;
  /** Feature (covariate) names, aligned with `Series.x`. */
  features: string[];
  /** False: ridge and arx fit no trend column (`forecast.trend`); absent means true. */
  trend?: boolean;
}

/** Future covariates for the forecast horizon: one array per feature, each of length `horizon`. */
export type FutureCovariates = Float64Array[];

/**
 * A fitted model's complete state as plain JSON: everything needed to forecast, and nothing else.
 * `forecast(loadModel(state))` must equal the forecast of the model it was saved from.
 */
export type ModelState = {
  kind: CandidateKind;
  /** Bumped when a model's state layout changes, so old artifacts fail loudly instead of forecasting wrong. */
  version: number;
  params: Record<string, unknown>;
};

export interface ForecastRequest {
  horizon: number;
  /** Dates (epoch days) of the horizon's periods; calendar features are computed from them. */
  times: Int32Array;
  /** Planned covariates for the horizon; absent -> the model's documented fallback (see `usedFallback`). */
  future?: FutureCovariates;
  /**
   * A planned value the model cannot use (NaN, or not > 0 for a covariate it takes the log of) falls back to the
   * last known value for that step alone, reported in `fallbackSteps`, instead of being refused. Batch scoring
   * sets it (a plan with a display share of 0 must not lose the partition); the HTTP API refuses such a value.
   */
  lenient?: boolean;
}

export interface Forecast {
  values: Float64Array;
  /** True when the model needed covariates for the horizon and used its fallback (last known values). */
  usedFallback: boolean;
  /** The horizon steps (0-based) that used the fallback; absent when none did. */
  fallbackSteps?: number[];
}

export interface FittedModel {
  readonly kind: CandidateKind;
  forecast(request: ForecastRequest): Forecast;
  toState(): ModelState;
}

export interface ModelFactory {
  readonly kind: CandidateKind;
  /**
   * Fits on a series; throws a `ModelError` with a clear message when it cannot. `shared`: the preparation other
   * models fitted on the same window share (see `shared-work.ts`); the result is the same without it.
   */
  fit(
    series: { time: Int32Array; y: Float64Array; x: Float64Array[] },
    context: SeriesContext,
    shared?: SharedWork,
  ): FittedModel;
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}
