import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { ModelArtifact } from '../models/artifact.ts';
import type { FittedModel } from '../models/types.ts';
import type { ModelRegistry } from '../registry/types.ts';
import { type AuthSettings, authenticator } from './auth.ts';
import { decodeContentEncoding } from './content-encoding.ts';
import {
  type CacheLimits,
  DEFAULT_BODY_LIMIT,
  DEFAULT_CACHE,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_HORIZON,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './defaults.ts';
import { forecastRoute } from './forecast-route.ts';
import { errorBody, HttpError, withoutPaths } from './http-error.ts';
import { createServingMetrics, type ServingMetrics } from './metrics.ts';
import { ModelCache } from './model-cache.ts';
import { ReadinessProbe } from './readiness.ts';

export interface ScoringAppOptions {
  /** The prod registry. */
  registry: ModelRegistry;
  /** The dataset's partition columns, in order: they name the model (`modelName(values)`). */
  partitionBy: readonly string[];
  /** Rebuilds a model from its artifact: `(artifact) => loadModel(artifact.model)`. */
  prepare: (artifact: ModelArtifact) => FittedModel;
  maxHorizon?: number;
  cache?: Partial<CacheLimits>;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Time allowed to receive a whole request, headers and body (slow clients get 408 and are disconnected). */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  idleTimeoutMs?: number;
  /** Who may call `POST /v1/forecast`; anonymous is accepted only on a loopback listener (see server.ts). */
  auth: AuthSettings;
  logger?: FastifyServerOptions['logger'];
  metrics?: ServingMetrics;
}

export interface ScoringApp {
  app: FastifyInstance;
  cache: ModelCache;
  metrics: ServingMetrics;
  /** Flips /readyz to 503 so load balancers stop sending traffic before the server closes. */
  startDraining(): void;
}

/** Builds the HTTP service without listening, so tests can `inject` and the server module can `listen`. */
export function buildScoringApp(options: ScoringAppOptions): ScoringApp {
  const limits = { ...DEFAULT_CACHE, ...options.cache };
  const metrics = options.metrics ?? createServingMetrics();
  const cache = new ModelCache({
    registry: options.registry,
    prepare: options.prepare,
    maxModels: limits.maxModels,
    maxBytes: limits.maxBytes,
    versionTtlMs: limits.versionTtlMs,
    loadTimeoutMs: limits.loadTimeoutMs,
    metrics,
  });
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const authenticate = authenticator(options.auth);
  const app = Fastify({
    logger: options.logger ?? false,
    // Per-request logs would cost more than a warm forecast; requests are counted in the metrics instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestTimeout,
    keepAliveTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    http: {
      // Node enforces requestTimeout/headersTimeout only when it sweeps its connections, every 30 s by default:
      // a client trickling a body kept a socket ~80 s against a 10 s limit. Sweep often enough to honour it.
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeout / 4))),
    },
    // Prototype-poisoning payloads are refused outright rather than silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  });
  const readiness = new ReadinessProbe(options.registry);

  // Only JSON is a forecast request: fastify's built-in text/plain parser would hand a string to the route (a
  // 400 where the documented answer is 415 Unsupported Media Type).
  app.removeContentTypeParser('text/plain');
  app.addHook('preParsing', decodeContentEncoding);

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });

  app.addHook('onSend', (_request, reply, _payload, done) => {
    // While draining, ask keep-alive clients to reconnect (to another replica): otherwise a connection that
    // was busy when shutdown began stays open and the close waits for its keep-alive timeout.
    if (readiness.draining) reply.header('connection', 'close');
    done();
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (error instanceof HttpError) {
      if (status >= 500) request.log.error({ err: error }, error.message);
      const message = status >= 500 ? withoutPaths(error.message) : error.message;
      return reply
        .code(status)
        .headers(error.headers)
        .send(errorBody(status, message, error.issues));
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong media type) keep their status.
      return reply.code(status).send(errorBody(status, error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .send(errorBody(500, `internal error (request ${request.id}; see the service log)`));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(
        errorBody(
          404,
          `no route ${request.method} ${request.url}; see POST /v1/forecast, GET /healthz, /readyz`,
        ),
      );
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const state = await readiness.check();
    if (!state.ready) return reply.code(503).send(errorBody(503, state.reason));
    return { status: 'ready' };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.register(
    forecastRoute({
      cache,
      partitionBy: options.partitionBy,
      maxHorizon: options.maxHorizon ?? DEFAULT_MAX_HORIZON,
      authenticate,
    }),
  );

  return { app, cache, metrics, startDraining: () => readiness.drain() };
}
