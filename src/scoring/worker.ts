import { futureTimes } from '../calendar/index.ts';
import type { Config } from '../config/schema.ts';
import { isBaselineStandIn } from '../promotion/tags.ts';
import { registryFor } from '../registry/for-config.ts';
import { LocalModelRegistry } from '../registry/local.ts';
import type { ModelRegistry } from '../registry/types.ts';
import { forecastArtifact, lastObservedDay } from './forecast-artifact.ts';
import { type FutureCovariateTable, futureFor } from './future-plan.ts';
import type { PredictionRow } from './types.ts';

export interface ScoreTask {
  config: Config;
  runId: string;
  partitions: { name: string; key: string[] }[];
  /** The future-covariates rows of this batch's partitions only (name -> [day, values][]). */
  future: [string, [number, number[]][]][] | null;
  /** A local prod registry folder to score with instead of the config's prod registry (the engine host's `modelsDir`). */
  modelsDir?: string;
}

let registry: { config: string; instance: ModelRegistry } | undefined;

function prodRegistry(config: Config, modelsDir: string | undefined): ModelRegistry {
  const id = JSON.stringify([config.registry, config.storage, modelsDir]);
  if (registry?.config !== id) {
    const instance = modelsDir
      ? new LocalModelRegistry({ root: modelsDir, location: modelsDir, stage: 'prod', blockingReads: true })
      : registryFor(config, 'prod', { readsFromIndex: true, blockingReads: true });
    registry = { config: id, instance };
  }
  return registry.instance;
}

/**
 * Scores one batch: each partition's prod model (found by name through the registry's index), forecast over the
 * horizon from its last observation. A partition without a model, or whose model fails, gets a status row.
 */
export default async function scoreBatch(task: ScoreTask): Promise<PredictionRow[]> {
  const prod = prodRegistry(task.config, task.modelsDir);
  const horizon = task.config.forecast.horizon;
  const table: FutureCovariateTable | undefined = task.future
    ? new Map(task.future.map(([name, rows]) => [name, new Map(rows)]))
    : undefined;
  const rows: PredictionRow[] = [];
  for (const { name, key } of task.partitions) {
    const status = {
      key,
      time: null,
      forecast: null,
      modelName: name,
      runId: task.runId,
      usedFallback: false,
      fallbackPeriods: null,
      interval: null,
      horizonStep: null,
      trainingRunId: null,
      baselineModel: null,
    };
    let loaded: Awaited<ReturnType<ModelRegistry['load']>>;
    try {
      loaded = await prod.load(name);
    } catch (error) {
      rows.push({
        ...status,
        status: 'failed',
        modelVersion: null,
        modelKind: null,
        message: messageOf(error),
      });
      continue;
    }
    if (!loaded) {
      rows.push({
        ...status,
        status: 'no-model',
        modelVersion: null,
        modelKind: null,
        message: 'no prod model for this partition (never promoted, or training failed)',
      });
      continue;
    }
    const { artifact, version } = loaded;
    const lineage = {
      trainingRunId: artifact.lineage.runId,
      baselineModel: isBaselineStandIn(version.tags),
    };
    try {
      const times = futureTimes(lastObservedDay(artifact), horizon, artifact.frequency);
      const future = futureFor(table, name, times, artifact.features);
      const result = forecastArtifact(
        artifact,
        future ? { horizon, future, partialPlan: true } : { horizon },
      );
      const fellBack = new Set(result.fallbackSteps);
      const b80 = result.bands.find((b) => b.level === 0.8);
      const b95 = result.bands.find((b) => b.level === 0.95);
      for (let i = 0; i < horizon; i++) {
        rows.push({
          ...status,
          time: result.times[i]!,
          forecast: result.values[i]!,
          status: 'ok',
          modelVersion: version.version,
          modelKind: artifact.model.kind,
          ...lineage,
          horizonStep: i + 1,
          usedFallback: fellBack.has(i),
          fallbackPeriods: fellBack.size,
          interval:
            b80 && b95
              ? {
                  lower80: b80.lower[i]!,
                  upper80: b80.upper[i]!,
                  lower95: b95.lower[i]!,
                  upper95: b95.upper[i]!,
                }
              : null,
        });
      }
    } catch (error) {
      rows.push({
        ...status,
        status: 'failed',
        modelVersion: version.version,
        modelKind: artifact.model.kind,
        ...lineage,
        message: messageOf(error),
      });
    }
  }
  return rows;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
