import { forecastSchema } from '../../src/config/schema.ts';
import { modelName } from '../../src/core/model-name.ts';
import { epochDayOf } from '../../src/data/batch.ts';
import { trainPartition } from '../../src/engine/train-partition.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';

/**
 * Real artifacts for the integration suite and the benchmark: small seeded weekly series with a price
 * elasticity, an advert lift and a yearly season, trained by the engine's own `trainPartition`.
 */

export const PARTITION_COLUMNS = ['Store', 'Brand'];
export const FEATURES = ['Price', 'Advert'];
const START = epochDayOf(new Date('2020-01-05T00:00:00Z'));

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrainOptions {
  seed: number;
  weeks?: number;
  candidates?: ('naive' | 'seasonal_naive' | 'ridge' | 'ets')[];
}

export function trainedArtifact(partition: Record<string, string>, options: TrainOptions): ModelArtifact {
  const weeks = options.weeks ?? 120;
  const random = mulberry32(options.seed);
  const time = new Int32Array(weeks);
  const y = new Float64Array(weeks);
  const price = new Float64Array(weeks);
  const advert = new Float64Array(weeks);
  const base = 4 + random() * 2;
  for (let t = 0; t < weeks; t++) {
    time[t] = START + 7 * t;
    price[t] = 2 + random();
    advert[t] = random() < 0.2 ? 1 : 0;
    const season = 0.3 * Math.sin((2 * Math.PI * t) / 52);
    y[t] = Math.round(
      Math.exp(base + season - 1.5 * Math.log(price[t]! / 2.5) + 0.4 * advert[t]! + 0.05 * random()),
    );
  }
  const key = PARTITION_COLUMNS.map((c) => partition[c] ?? '');
  const outcome = trainPartition(
    { key, time, y, x: [price, advert] },
    {
      context: { frequency: 'W', seasonLength: 52, features: FEATURES },
      forecast: forecastSchema.parse({ horizon: 8, holdout: 8, candidates: options.candidates }),
      partitionBy: PARTITION_COLUMNS,
      lineage: {
        runId: 'serve-test',
        codeVersion: 'test',
        dataFingerprint: 'fp',
        trainedAt: '2024-01-01T00:00:00Z',
      },
    },
  );
  if (outcome.status !== 'ok') throw new Error(`fixture training failed: ${JSON.stringify(outcome)}`);
  return outcome.artifact;
}

/** The same fitted model under another partition's key and name (cheap fixtures for thousands of models). */
export function retarget(artifact: ModelArtifact, partition: Record<string, string>): ModelArtifact {
  const key = PARTITION_COLUMNS.map((c) => partition[c] ?? '');
  return { ...artifact, partition: { ...partition }, name: modelName(key) };
}
