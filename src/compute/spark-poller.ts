import { sleep } from '../util/sleep.ts';

/** Where a submitted Spark job stands, in the service's words and ours. */
export interface SparkJobState {
  /** The service's id: a Databricks run id, a Synapse batch id. */
  id: string;
  /** The service's own status text, e.g. `RUNNING` or `TERMINATED/SUCCESS`, `running` or `success/Succeeded`. */
  status: string;
  done: boolean;
  succeeded: boolean;
  /** Why it ended, when the service says. */
  message?: string;
  /** Where a person reads its logs. */
  url?: string;
}

export class SparkJobError extends Error {
  override readonly name = 'SparkJobError';
  readonly state: SparkJobState;

  constructor(message: string, state: SparkJobState) {
    super(message);
    this.state = state;
  }
}

export interface PollerOptions {
  /** Between status reads; default 30 s (the services' own pages refresh about as often). */
  intervalMs?: number;
  /** Give up waiting after this long (the job keeps running; the error says how to stop it). Default 6 h. */
  timeoutMs?: number;
  /** Consecutive failed status reads (each already retried by the HTTP pipeline) tolerated before giving up. */
  maxPollFailures?: number;
  /** How to stop the job by hand, for the timeout message. */
  cancelHint?: string;
}

/**
 * A long-running Spark job, shaped like the Azure SDK's pollers (`@azure/core-lro`'s `SimplePollerLike`):
 * `poll`, `pollUntilDone({ abortSignal })`, `onProgress`, `isDone`, `getOperationState`. `pollUntilDone` resolves
 * with the final state when the job succeeded and throws a `SparkJobError` naming the job, its last status and
 * where its logs are when it did not.
 */
export class SparkJobPoller {
  #state: SparkJobState;
  readonly #read: (signal?: AbortSignal) => Promise<SparkJobState>;
  readonly #listeners = new Set<(state: SparkJobState) => void>();
  readonly #options: PollerOptions;

  constructor(
    initial: SparkJobState,
    read: (signal?: AbortSignal) => Promise<SparkJobState>,
    options: PollerOptions = {},
  ) {
    this.#state = initial;
    this.#read = read;
    this.#options = options;
  }

  getOperationState(): SparkJobState {
    return this.#state;
  }

  isDone(): boolean {
    return this.#state.done;
  }

  onProgress(callback: (state: SparkJobState) => void): () => void {
    this.#listeners.add(callback);
    return () => this.#listeners.delete(callback);
  }

  async poll(options: { abortSignal?: AbortSignal } = {}): Promise<SparkJobState> {
    const next = await this.#read(options.abortSignal);
    const changed = next.status !== this.#state.status;
    this.#state = next;
    if (changed) for (const listener of this.#listeners) listener(next);
    return next;
  }

  async pollUntilDone(options: { abortSignal?: AbortSignal } = {}): Promise<SparkJobState> {
    const started = Date.now();
    const timeoutMs = this.#options.timeoutMs ?? 6 * 3_600_000;
    const interval = this.#options.intervalMs ?? 30_000;
    let failures = 0;
    while (!this.#state.done) {
      options.abortSignal?.throwIfAborted();
      try {
        await this.poll(options);
        failures = 0;
      } catch (error) {
        if (options.abortSignal?.aborted) throw error;
        failures += 1;
        if (failures > (this.#options.maxPollFailures ?? 3)) throw error;
      }
      if (this.#state.done) break;
      const elapsed = Date.now() - started;
      if (elapsed >= timeoutMs) {
        throw new SparkJobError(
          `Spark job ${this.#state.id} is still ${this.#state.status} after ${Math.round(timeoutMs / 1000)} s of waiting; ` +
            `it keeps running${this.#where()}${this.#options.cancelHint ? ` (stop it with: ${this.#options.cancelHint})` : ''}`,
          this.#state,
        );
      }
      await sleep(Math.min(interval, timeoutMs - elapsed), options.abortSignal);
    }
    if (!this.#state.succeeded) {
      throw new SparkJobError(
        `Spark job ${this.#state.id} ended ${this.#state.status}` +
          `${this.#state.message ? `: ${this.#state.message}` : ''}${this.#where()}`,
        this.#state,
      );
    }
    return this.#state;
  }

  #where(): string {
    return this.#state.url ? ` (logs: ${this.#state.url})` : '';
  }
}
