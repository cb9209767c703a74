import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, on a registry of its own (not prom-client's global one) so that several
 * servers in one process (tests, the benchmark) never share or double-register counters.
 */
export interface ServingMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly requestDuration: Histogram<'route'>;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly cacheEvictions: Counter;
  readonly loadsInFlight: Gauge;
  readonly loadDuration: Histogram<'outcome'>;
  readonly versionChecks: Counter<'outcome'>;
  readonly cachedModels: Gauge;
  readonly cachedBytes: Gauge;
  /** Where the cache gauges read their values at scrape time. */
  observeCache(read: () => { models: number; bytes: number }): void;
}

// Forecast latency is single-digit milliseconds warm and tens cold: buckets resolve both.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createServingMetrics(options: { defaultMetrics?: boolean } = {}): ServingMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let readCache: () => { models: number; bytes: number } = () => ({ models: 0, bytes: 0 });
  return {
    registry,
    requests: new Counter({
      name: 'mm_serve_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'mm_serve_request_duration_seconds',
      help: 'Time from request received to response sent, by route.',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    cacheHits: new Counter({
      name: 'mm_serve_model_cache_hits_total',
      help: 'Forecast requests whose model was already in the cache.',
      registers,
    }),
    cacheMisses: new Counter({
      name: 'mm_serve_model_cache_misses_total',
      help: 'Forecast requests whose model had to be loaded (or joined a load in flight).',
      registers,
    }),
    cacheEvictions: new Counter({
      name: 'mm_serve_model_cache_evictions_total',
      help: 'Models dropped from the cache to stay under its count or byte bound.',
      registers,
    }),
    loadsInFlight: new Gauge({
      name: 'mm_serve_model_loads_in_flight',
      help: 'Model loads from the registry currently running (one per model however many requests wait).',
      registers,
    }),
    loadDuration: new Histogram({
      name: 'mm_serve_model_load_duration_seconds',
      help: 'Time to fetch and prepare one model from the registry, by outcome.',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    versionChecks: new Counter({
      name: 'mm_serve_model_version_checks_total',
      help: 'Re-checks of a cached model against the registry after its TTL, by outcome (same, changed, gone).',
      labelNames: ['outcome'],
      registers,
    }),
    cachedModels: new Gauge({
      name: 'mm_serve_model_cache_models',
      help: 'Cache slots in use (loaded models and loads in flight).',
      registers,
      collect() {
        this.set(readCache().models);
      },
    }),
    cachedBytes: new Gauge({
      name: 'mm_serve_model_cache_bytes',
      help: 'Artifact bytes of the models in the cache.',
      registers,
      collect() {
        this.set(readCache().bytes);
      },
    }),
    observeCache(read) {
      readCache = read;
    },
  };
}
