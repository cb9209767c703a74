import { LRUCache } from 'lru-cache';
import type { ModelArtifact } from '../models/artifact.ts';
import type { FittedModel } from '../models/types.ts';
import type { ModelRegistry, ModelVersion } from '../registry/types.ts';
import type { ServingMetrics } from './metrics.ts';

/** A prod model ready to forecast: its registry version, its artifact and the model rebuilt from its state. */
export interface LoadedModel {
  name: string;
  version: ModelVersion;
  artifact: ModelArtifact;
  model: FittedModel;
  /** Artifact JSON bytes: what the cache's byte bound counts. */
  bytes: number;
}

export interface ModelCacheOptions {
  registry: ModelRegistry;
  /** Rebuilds a model from its artifact (`(a) => loadModel(a.model)` in the service). */
  prepare: (artifact: ModelArtifact) => FittedModel;
  maxModels: number;
  maxBytes: number;
  /** A cached model older than this re-checks `registry.latest(name)` and reloads only if the version changed. */
  versionTtlMs: number;
  /** A load slower than this answers 503 to the waiting requests (the load itself runs on and is cached). */
  loadTimeoutMs?: number;
  metrics?: ServingMetrics;
  /** Clock for TTLs (tests inject one); milliseconds, monotonic. */
  now?: () => number;
}

export class ModelLoadTimeoutError extends Error {
  override readonly name = 'ModelLoadTimeoutError';
}

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

const NEGATIVE_ENTRIES = 10_000;

/**
 * The LRU of loaded prod models, bounded by count and by artifact bytes. lru-cache's `fetch` gives single
 * flight for free: concurrent requests for a cold model join one `fetchMethod` call. Its TTL marks an entry
 * stale rather than dropping it, so the next request re-checks the registry's latest version (cheap) and keeps
 * the loaded model when nothing changed.
 */
export class ModelCache {
  readonly #options: ModelCacheOptions;
  readonly #cache: LRUCache<string, LoadedModel>;
  /** Names the registry does not hold, remembered for one TTL so a flood of unknown partitions stays cheap. */
  readonly #absent: LRUCache<string, true>;

  constructor(options: ModelCacheOptions) {
    if (!(options.maxModels >= 1)) throw new RangeError('the model cache must hold at least 1 model');
    if (!(options.maxBytes >= 1)) throw new RangeError('the model cache byte bound must be at least 1 byte');
    if (!(options.versionTtlMs > 0)) throw new RangeError('the version TTL must be a positive number of ms');
    this.#options = options;
    const perf = options.now ? { now: options.now } : undefined;
    const metrics = options.metrics;
    this.#cache = new LRUCache<string, LoadedModel>({
      max: options.maxModels,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttl: options.versionTtlMs,
      // Read the clock on every check: lru-cache's default caches "now" until a timer fires, which an injected
      // clock (and a version check right after a promotion) should not have to wait for.
      ttlResolution: 0,
      // A load stays useful even if its slot was evicted meanwhile: every waiting request still gets the model.
      ignoreFetchAbort: true,
      ...(perf ? { perf } : {}),
      fetchMethod: (name, stale) => this.#fetch(name, stale),
      dispose: (_entry, _name, reason) => {
        if (reason === 'evict') metrics?.cacheEvictions.inc();
      },
    });
    this.#absent = new LRUCache<string, true>({
      max: NEGATIVE_ENTRIES,
      ttl: options.versionTtlMs,
      ttlResolution: 0,
      ...(perf ? { perf } : {}),
    });
    metrics?.observeCache(() => ({ models: this.size, bytes: this.bytes }));
  }

  /** Cache slots in use: loaded models plus loads in flight. */
  get size(): number {
    return this.#cache.size;
  }

  /** Artifact bytes held now. */
  get bytes(): number {
    return this.#cache.calculatedSize;
  }

  /** The latest prod version of a model, loading it on first use; undefined when the registry lacks it. */
  async get(name: string): Promise<LoadedModel | undefined> {
    if (this.#absent.get(name)) {
      this.#options.metrics?.cacheMisses.inc();
      return undefined;
    }
    const status: LRUCache.Status<string, LoadedModel> = {};
    const pending = this.#cache.fetch(name, { status });
    const metrics = this.#options.metrics;
    if (status.fetch === 'hit') {
      // The warm path: already resolved, no timer needed.
      metrics?.cacheHits.inc();
      return pending;
    }
    if (status.fetch === 'stale') metrics?.cacheHits.inc();
    else metrics?.cacheMisses.inc();
    const entry = await this.#withTimeout(name, pending);
    if (!entry) {
      // lru-cache keeps a stale value when its refresh finds nothing; a model gone from prod must go here too.
      this.#cache.delete(name);
      this.#absent.set(name, true);
    }
    return entry;
  }

  /** Forgets every model (e.g. after a prod registry swap); loads in flight finish but are not kept. */
  clear(): void {
    this.#cache.clear();
    this.#absent.clear();
  }

  async #fetch(name: string, stale: LoadedModel | undefined): Promise<LoadedModel | undefined> {
    const { registry, metrics } = this.#options;
    if (stale) {
      const latest = await registry.latest(name);
      if (!latest) {
        metrics?.versionChecks.inc({ outcome: 'gone' });
        return undefined;
      }
      if (latest.version === stale.version.version) {
        metrics?.versionChecks.inc({ outcome: 'same' });
        return stale;
      }
      metrics?.versionChecks.inc({ outcome: 'changed' });
      return this.#load(name, latest.version);
    }
    return this.#load(name);
  }

  async #load(name: string, version?: number): Promise<LoadedModel | undefined> {
    const metrics = this.#options.metrics;
    metrics?.loadsInFlight.inc();
    const stopTimer = metrics?.loadDuration.startTimer();
    let outcome = 'error';
    try {
      const found = await this.#options.registry.load(name, version);
      if (!found) {
        outcome = 'absent';
        return undefined;
      }
      let model: FittedModel;
      try {
        model = this.#options.prepare(found.artifact);
      } catch (error) {
        throw new ModelLoadError(
          `model ${name} version ${found.version.version} cannot be rebuilt from its artifact: ${(error as Error).message}`,
        );
      }
      outcome = 'loaded';
      const bytes = found.version.size > 0 ? found.version.size : JSON.stringify(found.artifact).length;
      return { name, version: found.version, artifact: found.artifact, model, bytes };
    } finally {
      metrics?.loadsInFlight.dec();
      stopTimer?.({ outcome });
    }
  }

  #withTimeout<T>(name: string, pending: Promise<T>): Promise<T> {
    const timeoutMs = this.#options.loadTimeoutMs;
    if (timeoutMs === undefined) return pending;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ModelLoadTimeoutError(`loading model ${name} took longer than ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
  }
}
