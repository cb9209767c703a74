import { z } from 'zod';
import type { CandidateKind } from '../core/vocabulary.ts';
import { type ForecastRequest, ModelError } from './types.ts';

/** Finite numbers only: NaN and Infinity do not survive JSON, so they must never be in a state. */
export const finite = z.number().refine(Number.isFinite, 'must be a finite number');
export const finiteArray = z.array(finite);

/**
 * Validates a state's params against a model's schema, naming the model, the version and the field, so a
 * damaged or foreign artifact fails when it is loaded instead of forecasting nonsense later.
 */
export function parseParams<T>(
  kind: CandidateKind,
  version: number,
  schema: z.ZodType<T>,
  params: unknown,
): T {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `params.${issue.path.join('.')}` : 'params';
  throw new ModelError(`invalid ${kind} model state (version ${version}): ${where} ${issue.message}`);
}

/**
 * A deep copy of a model's params (plain objects, arrays and numbers, as the schemas allow), for `toState`: the
 * same result as `structuredClone` on such data at a fraction of its cost, which every trained partition pays.
 */
export function copyParams<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyParams) as T;
  if (ArrayBuffer.isView(value)) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyParams((value as Record<string, unknown>)[key]);
  return out as T;
}

/** Checks what every model's forecast relies on; returns the horizon. */
export function checkRequest(request: ForecastRequest, featureCount: number): number {
  const { horizon, times, future } = request;
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new ModelError(`horizon must be a positive integer, got ${horizon}`);
  }
  if (times.length !== horizon) {
    throw new ModelError(
      `forecast needs one date per horizon step: horizon ${horizon}, ${times.length} dates`,
    );
  }
  if (future) {
    if (future.length !== featureCount) {
      throw new ModelError(
        `future covariates: expected ${featureCount} feature arrays (one per feature), got ${future.length}`,
      );
    }
    future.forEach((values, j) => {
      if (values.length < horizon) {
        throw new ModelError(
          `future covariates: feature ${j} has ${values.length} values for horizon ${horizon}`,
        );
      }
    });
  }
  return horizon;
}
