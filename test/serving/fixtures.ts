import { modelName } from '../../src/core/model-name.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import type { FittedModel, ForecastRequest } from '../../src/models/types.ts';
import type {
  ModelRegistry,
  ModelVersion,
  RegisterOptions,
  RegisterRequest,
  Stage,
} from '../../src/registry/types.ts';

export const PARTITION_BY = ['Store', 'Brand'] as const;

export interface ArtifactSpec {
  partition: Record<string, string>;
  features?: string[];
  /** Level of the test model's forecast; each step adds `slope`. */
  level?: number;
  slope?: number;
  end?: string;
  /** Padding bytes, to make artifacts of a chosen size. */
  padding?: number;
}

/**
 * A complete artifact whose `model` state is understood by `linearPrepare` below: the cache and HTTP layers
 * are tested with it; the integration suite uses real fitted models and the real registry.
 */
export function makeArtifact(spec: ArtifactSpec): ModelArtifact {
  const values = PARTITION_BY.map((c) => spec.partition[c] ?? '');
  const features = spec.features ?? ['Price', 'Advert'];
  return {
    schemaVersion: 1,
    name: modelName(values),
    partition: spec.partition,
    chosen: 'ridge',
    baseline: 'seasonal_naive',
    model: {
      kind: 'ridge',
      version: 1,
      params: {
        level: spec.level ?? 100,
        slope: spec.slope ?? 1,
        beta: features.map((_, j) => j + 1),
        pad: 'x'.repeat(spec.padding ?? 0),
      },
    },
    baselineModel: {
      kind: 'naive',
      version: 1,
      params: { last: spec.level ?? 100, features: features.length },
    },
    features,
    frequency: 'W',
    seasonLength: 52,
    window: { start: '2020-01-05', end: spec.end ?? '2022-12-25', observations: 156 },
    holdout: { start: '2022-11-06', end: '2022-12-25', actual: [], candidates: {} },
    lineage: {
      runId: 'run-1',
      codeVersion: 'test',
      dataFingerprint: 'fp',
      trainedAt: '2023-01-01T00:00:00Z',
    },
  };
}

/** A test double for a fitted model: level + slope*h + sum(beta_j * future_j[h]), last-known fallback = 1. */
export function linearPrepare(artifact: ModelArtifact): FittedModel {
  const params = artifact.model.params as { level: number; slope: number; beta: number[] };
  if (typeof params.level !== 'number') throw new Error('params.level must be a number');
  return {
    kind: artifact.model.kind,
    toState: () => artifact.model,
    forecast(request: ForecastRequest) {
      const values = new Float64Array(request.horizon);
      for (let h = 0; h < request.horizon; h++) {
        let v = params.level + params.slope * (h + 1);
        params.beta.forEach((b, j) => {
          v += b * (request.future ? request.future[j]![h]! : 1);
        });
        values[h] = v;
      }
      return { values, usedFallback: request.future === undefined && params.beta.length > 0 };
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An in-memory `ModelRegistry` that counts calls, for the cache and HTTP tests. */
export class MemoryRegistry implements ModelRegistry {
  readonly stage: Stage = 'prod';
  readonly versions = new Map<string, { version: ModelVersion; artifact: ModelArtifact }[]>();
  loads = 0;
  latestCalls = 0;
  loadDelayMs = 0;
  /** When set, every call fails with this message (an unreachable registry). */
  failWith: string | undefined;

  async registerMany(requests: readonly RegisterRequest[], _options?: RegisterOptions) {
    const out: ModelVersion[] = [];
    for (const { artifact, tags } of requests) {
      const list = this.versions.get(artifact.name) ?? [];
      const version: ModelVersion = {
        name: artifact.name,
        version: list.length + 1,
        tags,
        registeredAt: new Date().toISOString(),
        size: JSON.stringify(artifact).length,
      };
      list.push({ version, artifact: structuredClone(artifact) });
      this.versions.set(artifact.name, list);
      out.push(version);
    }
    return out;
  }

  async latest(name: string) {
    this.latestCalls++;
    if (this.failWith) throw new Error(this.failWith);
    return this.versions.get(name)?.at(-1)?.version;
  }

  async load(name: string, version?: number) {
    this.loads++;
    if (this.loadDelayMs > 0) await sleep(this.loadDelayMs);
    if (this.failWith) throw new Error(this.failWith);
    const list = this.versions.get(name);
    const found = version === undefined ? list?.at(-1) : list?.find((v) => v.version.version === version);
    return found ? { version: found.version, artifact: structuredClone(found.artifact) } : undefined;
  }

  async *list() {
    for (const list of this.versions.values()) yield list.at(-1)!.version;
  }
}

export async function registryWith(specs: ArtifactSpec[]): Promise<MemoryRegistry> {
  const registry = new MemoryRegistry();
  await registry.registerMany(specs.map((spec) => ({ artifact: makeArtifact(spec), tags: {} })));
  return registry;
}

export const partitionOf = (i: number) => ({ Store: String(1000 + i), Brand: 'dominicks' });
