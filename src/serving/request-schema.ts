import { z } from 'zod';
import { describeZodIssues } from '../config/errors.ts';
import { DEFAULT_MAX_HORIZON } from './defaults.ts';

/** The body of `POST /v1/forecast`. */
export interface ForecastBody {
  /** Partition column -> raw value, exactly the dataset's `partitionBy` columns. */
  partition: Record<string, string>;
  horizon: number;
  /** Planned covariates for the horizon, one array per feature; absent -> the model's documented fallback. */
  future?: Record<string, number[]>;
}

/** Partition values are names (a store id, a brand), never documents: anything longer is a mistake. */
const MAX_KEY_VALUE_LENGTH = 512;

/**
 * A strict schema for the request: unknown fields are rejected, partition columns must be exactly the
 * configured ones, and the horizon is bounded so one request cannot ask for unbounded work.
 */
export function forecastBodySchema(partitionBy: readonly string[], maxHorizon = DEFAULT_MAX_HORIZON) {
  const value = z
    .string({ error: 'expected the partition value as a string' })
    .min(1, 'a partition value cannot be empty')
    .max(MAX_KEY_VALUE_LENGTH, `a partition value is at most ${MAX_KEY_VALUE_LENGTH} characters`);
  const partition = z.strictObject(
    Object.fromEntries(partitionBy.map((column) => [column, value])) as Record<string, typeof value>,
    { error: `expected an object with the partition columns ${partitionBy.join(', ')}` },
  );
  const horizon = z
    .int({ error: 'expected a whole number of periods' })
    .min(1, 'horizon must be at least 1 period')
    .max(maxHorizon, `horizon must be at most ${maxHorizon} periods`);
  const series = z
    .array(z.number({ error: 'expected a finite number' }), {
      error: 'expected an array of numbers, one per horizon period',
    })
    .max(maxHorizon, `at most ${maxHorizon} values (the horizon limit)`);
  const future = z.record(z.string().min(1).max(MAX_KEY_VALUE_LENGTH), series, {
    error: 'expected an object of covariate name -> array of numbers',
  });
  return z.strictObject(
    { partition, horizon, future: future.optional() },
    { error: 'expected a JSON object with partition, horizon and optionally future' },
  );
}

export type ForecastBodySchema = ReturnType<typeof forecastBodySchema>;

export type ParseResult = { ok: true; body: ForecastBody } | { ok: false; issues: string[] };

export function parseForecastBody(schema: ForecastBodySchema, raw: unknown): ParseResult {
  if (raw === undefined || raw === null) {
    return { ok: false, issues: ['(root): send a JSON body with content-type application/json'] };
  }
  const result = schema.safeParse(raw);
  if (!result.success) return { ok: false, issues: describeZodIssues(result.error) };
  return { ok: true, body: result.data as ForecastBody };
}
