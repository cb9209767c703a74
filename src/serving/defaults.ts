/**
 * The scoring service's defaults, apart from the service: `mm serve`'s option definitions show them in its help
 * without loading fastify (test/cli/startup.test.ts).
 */
export interface CacheLimits {
  maxModels: number;
  maxBytes: number;
  /** How long a cached model is trusted before `registry.latest` is asked again. */
  versionTtlMs: number;
  loadTimeoutMs: number;
}

export const DEFAULT_CACHE: CacheLimits = {
  maxModels: 5_000,
  maxBytes: 256 * 1024 * 1024,
  versionTtlMs: 30_000,
  loadTimeoutMs: 5_000,
};

export const DEFAULT_BODY_LIMIT = 64 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 72_000;
/** Largest horizon a request may ask for unless `--max-horizon` says otherwise. */
export const DEFAULT_MAX_HORIZON = 104;
