import type { ModelArtifact } from '../models/artifact.ts';

/** A registry holds the models of one workspace: `dev` (every trained model) or `prod` (promoted ones). */
export type Stage = 'dev' | 'prod';

export interface ModelVersion {
  name: string;
  version: number;
  /** Raw key values, metrics, run id, stage, code version, data fingerprint, promotion evidence. */
  tags: Record<string, string>;
  registeredAt: string;
  /** Bytes of the artifact document. */
  size: number;
}

export interface RegisterRequest {
  artifact: ModelArtifact;
  tags: Record<string, string>;
  /**
   * Compare-and-swap: the latest version the caller's decision was based on (null: the model did not exist).
   * When the registry's latest differs at write time, nothing is registered and the result is the current
   * latest version, so the caller can decide again against it.
   */
  expectedLatest?: number | null;
}

/** Whether a registration under `expectedLatest` must be refused because the latest version moved. */
export function latestMoved(request: RegisterRequest, current: ModelVersion | undefined): boolean {
  return request.expectedLatest !== undefined && (current?.version ?? null) !== request.expectedLatest;
}

export interface RegisterOptions {
  /** When the latest version already carries this tag value, nothing is registered (idempotent re-runs). */
  idempotencyTag?: string;
  /**
   * When the latest version has the request's content hash (tag `mm.content.sha256`), keep it: nothing is written.
   * For the dev registry, where a retrain that changed nothing need not cost a version; promotion decides itself.
   */
  keepUnchanged?: boolean;
  signal?: AbortSignal;
}

export interface ModelRegistry {
  readonly stage: Stage;
  /** Registers many models in one bulk operation and returns their new (or existing, if idempotent) versions. */
  registerMany(requests: readonly RegisterRequest[], options?: RegisterOptions): Promise<ModelVersion[]>;
  /** The latest version of a model, found through the index without scanning; undefined when absent. */
  latest(name: string): Promise<ModelVersion | undefined>;
  /** A model's artifact at a version (default: latest); undefined when absent. */
  load(
    name: string,
    version?: number,
  ): Promise<{ version: ModelVersion; artifact: ModelArtifact } | undefined>;
  /** Every model's latest version. */
  list(): AsyncIterable<ModelVersion>;
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}
