import { futureTimes } from '../calendar/index.ts';
import { epochDayOf } from '../data/batch.ts';
import type { ModelArtifact } from '../models/artifact.ts';
import { loadModel } from '../models/index.ts';
import { type Band, bands } from '../models/intervals.ts';
import type { FittedModel } from '../models/types.ts';

/**
 * "Artifact + horizon + future covariates -> dated forecast": the one function batch scoring and the
 * real-time service both call, so a partition gets the same numbers from either path.
 */

export interface ArtifactForecastRequest {
  horizon: number;
  /** Planned covariates by feature name, each `horizon` long; absent -> the model's documented fallback. */
  future?: Record<string, readonly number[]>;
  /**
   * A plan that covers only some periods (batch scoring from a planned-covariates table): NaN marks a period the
   * plan lacks, and the model falls back for that period alone. The HTTP API keeps requiring complete arrays.
   */
  partialPlan?: boolean;
}

export interface DatedForecast {
  /** Epoch days of the forecast periods, following the artifact's last observation. */
  times: Int32Array;
  values: Float64Array;
  /** True when the model needed covariates for the horizon and used its fallback (last known values). */
  usedFallback: boolean;
  /** The horizon steps (0-based) that used the fallback. */
  fallbackSteps: number[];
  /** Prediction intervals, one band per level the artifact carries; empty for artifacts trained without them. */
  bands: Band[];
}

/** The request does not fit the model (unknown or missing covariates, wrong lengths): the caller's mistake. */
export class ForecastInputError extends Error {
  override readonly name = 'ForecastInputError';
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(issues.join('; '));
    this.issues = issues;
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

// The service forecasts the same cached artifact thousands of times: parse its end date once.
const lastDays = new WeakMap<ModelArtifact, number>();

/** Epoch day of the artifact's last observation; a malformed artifact is a loud error, not a wrong date. */
export function lastObservedDay(artifact: ModelArtifact): number {
  const cached = lastDays.get(artifact);
  if (cached !== undefined) return cached;
  const end = artifact.window.end;
  const day = ISO_DATE.test(end) ? epochDayOf(new Date(`${end}T00:00:00Z`)) : Number.NaN;
  if (!Number.isFinite(day)) {
    throw new Error(`model ${artifact.name} has window.end '${end}', expected an ISO date YYYY-MM-DD`);
  }
  lastDays.set(artifact, day);
  return day;
}

/** Orders and checks the covariates against the model's features; undefined means "use the fallback". */
export function futureCovariates(
  features: readonly string[],
  horizon: number,
  future: Record<string, readonly number[]> | undefined,
  partialPlan = false,
): Float64Array[] | undefined {
  if (future === undefined) return undefined;
  const names = Object.keys(future);
  if (names.length === 0 && features.length === 0) return undefined;
  const issues: string[] = [];
  const expected = features.length > 0 ? features.join(', ') : 'none';
  for (const name of names) {
    if (!features.includes(name))
      issues.push(`future.${name}: unknown covariate; the model uses ${expected}`);
  }
  const missing = features.filter((f) => !names.includes(f));
  if (missing.length > 0 && names.length > 0) {
    issues.push(
      `future: missing ${missing.join(', ')}; give every covariate (${expected}) or omit future to use the fallback`,
    );
  }
  for (const name of features) {
    const values = future[name];
    if (values === undefined) continue;
    if (values.length !== horizon) {
      issues.push(`future.${name}: has ${values.length} values but the horizon is ${horizon}`);
    }
    const bad = values.findIndex(
      (v) => typeof v !== 'number' || !(Number.isFinite(v) || (partialPlan && Number.isNaN(v))),
    );
    if (bad >= 0) issues.push(`future.${name}[${bad}]: expected a finite number`);
  }
  if (issues.length > 0) throw new ForecastInputError(issues);
  if (features.length === 0) return undefined;
  return features.map((name) => Float64Array.from(future[name] ?? []));
}

/** Forecasts with an already rebuilt model (the service keeps it cached next to its artifact). */
export function forecastWithModel(
  artifact: ModelArtifact,
  model: FittedModel,
  request: ArtifactForecastRequest,
): DatedForecast {
  const { horizon } = request;
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new ForecastInputError([`horizon: expected a whole number of periods >= 1, got ${horizon}`]);
  }
  const future = futureCovariates(artifact.features, horizon, request.future, request.partialPlan);
  const times = futureTimes(lastObservedDay(artifact), horizon, artifact.frequency);
  const lenient = request.partialPlan === true;
  const forecast = model.forecast(future ? { horizon, times, future, lenient } : { horizon, times, lenient });
  if (forecast.values.length !== horizon) {
    throw new Error(
      `model ${artifact.name} (${model.kind}) returned ${forecast.values.length} values for horizon ${horizon}`,
    );
  }
  const fallbackSteps =
    forecast.fallbackSteps ?? (forecast.usedFallback ? Array.from({ length: horizon }, (_, h) => h) : []);
  const intervals = artifact.intervals;
  return {
    times,
    values: forecast.values,
    usedFallback: forecast.usedFallback,
    fallbackSteps,
    bands: intervals ? bands(intervals, forecast.values, intervals.scale === 'log1p') : [],
  };
}

/**
 * Forecasts an artifact's model over `horizon` periods after its last observation. Batch scoring calls this
 * per partition; the service calls `forecastWithModel` with the model it keeps rebuilt in its cache.
 */
export function forecastArtifact(artifact: ModelArtifact, request: ArtifactForecastRequest): DatedForecast {
  return forecastWithModel(artifact, loadModel(artifact.model), request);
}
