import type { FastifyPluginAsync } from 'fastify';
import { modelName } from '../core/model-name.ts';
import { isoDate } from '../data/batch.ts';
import { ModelError } from '../models/types.ts';
import { ForecastInputError, forecastWithModel } from '../scoring/forecast-artifact.ts';
import type { Authenticate } from './auth.ts';
import { HttpError } from './http-error.ts';
import type { LoadedModel, ModelCache } from './model-cache.ts';
import { ModelLoadError, ModelLoadTimeoutError } from './model-cache.ts';
import { forecastBodySchema, parseForecastBody } from './request-schema.ts';

export interface ForecastResponse {
  model: { name: string; version: number; kind: string };
  /** `intervals`: the prediction interval per level the model carries (absent for models trained without). */
  forecast: { date: string; value: number; intervals?: { level: number; lower: number; upper: number }[] }[];
  usedFallback: boolean;
  /** Server-side time from request received to response built. */
  latencyMs: number;
}

export interface ForecastRouteOptions {
  cache: ModelCache;
  partitionBy: readonly string[];
  maxHorizon: number;
  /** Runs before the body is read, so an unauthenticated client cannot make the service parse anything. */
  authenticate: Authenticate;
}

// Forecast dates repeat across requests (every model of a run ends on the same day): format each once.
const isoDates = new Map<number, string>();
function dateOf(day: number): string {
  let iso = isoDates.get(day);
  if (iso === undefined) {
    if (isoDates.size > 100_000) isoDates.clear();
    iso = isoDate(day);
    isoDates.set(day, iso);
  }
  return iso;
}

function describeKey(partition: Record<string, string>, columns: readonly string[]): string {
  return columns.map((c) => `${c}=${JSON.stringify(partition[c])}`).join(', ');
}

/** The loaded artifact must be the one for this exact key: guards against a registry that mixed names up. */
function checkPartition(entry: LoadedModel, partition: Record<string, string>, columns: readonly string[]) {
  const stored = entry.artifact.partition;
  const same =
    Object.keys(stored).length === columns.length && columns.every((c) => stored[c] === partition[c]);
  if (!same) {
    throw new HttpError(
      500,
      `model ${entry.name} version ${entry.version.version} belongs to partition ${JSON.stringify(stored)}, ` +
        `not ${JSON.stringify(partition)}: the prod registry or the service's partitionBy is inconsistent`,
    );
  }
}

async function loadFor(cache: ModelCache, name: string, key: string): Promise<LoadedModel> {
  let entry: LoadedModel | undefined;
  try {
    entry = await cache.get(name);
  } catch (error) {
    if (error instanceof ModelLoadTimeoutError) throw new HttpError(503, `${error.message}; retry shortly`);
    if (error instanceof ModelLoadError) throw new HttpError(500, error.message);
    // The registry's own message names storage paths or URLs: it goes to the log, not to the caller.
    throw new HttpError(
      502,
      `could not load model ${name} from the prod registry (see the service log)`,
      undefined,
      {},
      error,
    );
  }
  if (!entry) {
    throw new HttpError(404, `no prod model for partition ${key} (model name ${name})`);
  }
  return entry;
}

function forecastFor(entry: LoadedModel, horizon: number, future: Record<string, number[]> | undefined) {
  try {
    return forecastWithModel(entry.artifact, entry.model, future ? { horizon, future } : { horizon });
  } catch (error) {
    if (error instanceof ForecastInputError) {
      throw new HttpError(400, `invalid forecast request: ${error.message}`, error.issues);
    }
    // The model was rebuilt when it was loaded, so what it rejects now is this request's input (e.g. a price
    // of 0 for a model that uses log(price)).
    if (error instanceof ModelError) throw new HttpError(400, `invalid forecast request: ${error.message}`);
    throw error;
  }
}

/** Response schema: fastify compiles it into a serializer (faster than JSON.stringify, and no stray fields). */
const RESPONSE_200 = {
  type: 'object',
  required: ['model', 'forecast', 'usedFallback', 'latencyMs'],
  properties: {
    model: {
      type: 'object',
      required: ['name', 'version', 'kind'],
      properties: { name: { type: 'string' }, version: { type: 'integer' }, kind: { type: 'string' } },
    },
    forecast: {
      type: 'array',
      items: {
        type: 'object',
        required: ['date', 'value'],
        properties: {
          date: { type: 'string' },
          value: { type: 'number' },
          intervals: {
            type: 'array',
            items: {
              type: 'object',
              required: ['level', 'lower', 'upper'],
              properties: { level: { type: 'number' }, lower: { type: 'number' }, upper: { type: 'number' } },
            },
          },
        },
      },
    },
    usedFallback: { type: 'boolean' },
    latencyMs: { type: 'number' },
  },
} as const;

export function forecastRoute(options: ForecastRouteOptions): FastifyPluginAsync {
  const schema = forecastBodySchema(options.partitionBy, options.maxHorizon);
  const columns = options.partitionBy;
  return async (app) => {
    app.post(
      '/v1/forecast',
      {
        schema: { response: { 200: RESPONSE_200 } },
        onRequest: async (request) => {
          const caller = await options.authenticate(request.headers.authorization);
          if (caller) request.log.debug({ caller: caller.appId ?? caller.subject }, 'authenticated');
        },
      },
      async (request, reply): Promise<ForecastResponse> => {
        const parsed = parseForecastBody(schema, request.body);
        if (!parsed.ok)
          throw new HttpError(400, `invalid forecast request: ${parsed.issues.join('; ')}`, parsed.issues);
        const { partition, horizon, future } = parsed.body;
        const name = modelName(columns.map((c) => partition[c] as string));
        const entry = await loadFor(options.cache, name, describeKey(partition, columns));
        checkPartition(entry, partition, columns);
        const result = forecastFor(entry, horizon, future);
        const forecast: ForecastResponse['forecast'] = new Array(horizon);
        for (let i = 0; i < horizon; i++) {
          forecast[i] = { date: dateOf(result.times[i]!), value: result.values[i]! };
          if (result.bands.length > 0) {
            forecast[i]!.intervals = result.bands.map((b) => ({
              level: b.level,
              lower: b.lower[i]!,
              upper: b.upper[i]!,
            }));
          }
        }
        return {
          model: { name, version: entry.version.version, kind: entry.artifact.model.kind },
          forecast,
          usedFallback: result.usedFallback,
          latencyMs: Math.round(reply.elapsedTime * 1000) / 1000,
        };
      },
    );
  };
}
