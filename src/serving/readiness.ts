import { modelName } from '../core/model-name.ts';
import type { ModelRegistry } from '../registry/types.ts';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** A name no partition produces in practice: asking for it exercises the registry without loading a model. */
const PROBE_NAME = modelName(['__mm_readiness_probe__']);

/**
 * Ready means: not draining, and the prod registry answered a lookup recently. The answer is cached briefly so
 * that probes from every kubelet and load balancer never turn into load on the registry.
 */
export class ReadinessProbe {
  readonly #registry: ModelRegistry;
  readonly #cacheMs: number;
  #draining = false;
  #last: { at: number; state: Readiness } | undefined;
  #inFlight: Promise<Readiness> | undefined;

  constructor(registry: ModelRegistry, cacheMs = 5_000) {
    this.#registry = registry;
    this.#cacheMs = cacheMs;
  }

  drain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  async check(): Promise<Readiness> {
    if (this.#draining) return { ready: false, reason: 'shutting down: finishing in-flight requests' };
    const last = this.#last;
    if (last && Date.now() - last.at < this.#cacheMs) return last.state;
    this.#inFlight ??= this.#probe().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #probe(): Promise<Readiness> {
    let state: Readiness;
    try {
      await this.#registry.latest(PROBE_NAME);
      state = { ready: true };
    } catch (error) {
      state = { ready: false, reason: `the prod model registry is unreachable: ${(error as Error).message}` };
    }
    this.#last = { at: Date.now(), state };
    return state;
  }
}
