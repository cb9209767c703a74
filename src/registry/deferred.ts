import type { ModelArtifact } from '../models/artifact.ts';
import type { ModelRegistry, ModelVersion, RegisterOptions, RegisterRequest, Stage } from './types.ts';

/**
 * A registry whose implementation is imported on first use: the Azure SDK takes most of a second to load, and
 * local runs (and every scoring worker thread) should not pay for it.
 */
export class DeferredRegistry implements ModelRegistry {
  readonly stage: Stage;
  readonly location: string;
  readonly #open: () => Promise<ModelRegistry>;
  #registry: Promise<ModelRegistry> | undefined;

  constructor(stage: Stage, location: string, open: () => Promise<ModelRegistry>) {
    this.stage = stage;
    this.location = location;
    this.#open = open;
  }

  #get(): Promise<ModelRegistry> {
    this.#registry ??= this.#open();
    return this.#registry;
  }

  async registerMany(
    requests: readonly RegisterRequest[],
    options?: RegisterOptions,
  ): Promise<ModelVersion[]> {
    return (await this.#get()).registerMany(requests, options);
  }

  async latest(name: string): Promise<ModelVersion | undefined> {
    return (await this.#get()).latest(name);
  }

  async load(
    name: string,
    version?: number,
  ): Promise<{ version: ModelVersion; artifact: ModelArtifact } | undefined> {
    return (await this.#get()).load(name, version);
  }

  async *list(): AsyncIterable<ModelVersion> {
    yield* (await this.#get()).list();
  }
}
