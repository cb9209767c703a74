import { describe, expect, it } from 'vitest';
import { createServingMetrics } from '../../src/serving/metrics.ts';
import { ModelCache, ModelLoadError, ModelLoadTimeoutError } from '../../src/serving/model-cache.ts';
import { linearPrepare, makeArtifact, partitionOf, registryWith } from './fixtures.ts';

const nameOf = (i: number) => makeArtifact({ partition: partitionOf(i) }).name;

async function metricValue(metrics: ReturnType<typeof createServingMetrics>, name: string, label?: string) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const values = metric?.values ?? [];
  const match = label ? values.filter((v) => Object.values(v.labels).includes(label)) : values;
  return match.reduce((sum, v) => sum + v.value, 0);
}

describe('ModelCache', () => {
  it('shares one registry load between concurrent requests for the same cold model (single flight)', async () => {
    const registry = await registryWith([{ partition: partitionOf(0) }]);
    registry.loadDelayMs = 20;
    const metrics = createServingMetrics({ defaultMetrics: false });
    const cache = new ModelCache({
      registry,
      prepare: linearPrepare,
      maxModels: 10,
      maxBytes: 1e6,
      versionTtlMs: 60_000,
      metrics,
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.get(nameOf(0))));
    expect(registry.loads).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.version.version).toBe(1);
    expect(await metricValue(metrics, 'mm_serve_model_cache_misses_total')).toBe(50);
    await cache.get(nameOf(0));
    expect(await metricValue(metrics, 'mm_serve_model_cache_hits_total')).toBe(1);
    expect(await metricValue(metrics, 'mm_serve_model_loads_in_flight')).toBe(0);
  });

  it('never holds more models than its count bound, evicting the least recently used', async () => {
    const registry = await registryWith(
      Array.from({ length: 300 }, (_, i) => ({ partition: partitionOf(i) })),
    );
    const metrics = createServingMetrics({ defaultMetrics: false });
    const cache = new ModelCache({
      registry,
      prepare: linearPrepare,
      maxModels: 25,
      maxBytes: 1e9,
      versionTtlMs: 60_000,
      metrics,
    });
    let peak = 0;
    for (let round = 0; round < 2; round++) {
      for (let start = 0; start < 300; start += 10) {
        await Promise.all(Array.from({ length: 10 }, (_, k) => cache.get(nameOf(start + k))));
        peak = Math.max(peak, cache.size);
      }
    }
    expect(peak).toBeLessThanOrEqual(25);
    expect(cache.size).toBe(25);
    expect(registry.loads).toBe(600);
    expect(await metricValue(metrics, 'mm_serve_model_cache_evictions_total')).toBe(600 - 25);
    // The 25 most recent stay: asking for them again loads nothing.
    await Promise.all(Array.from({ length: 25 }, (_, k) => cache.get(nameOf(275 + k))));
    expect(registry.loads).toBe(600);
  });

  it('never holds more artifact bytes than its byte bound', async () => {
    const specs = Array.from({ length: 40 }, (_, i) => ({ partition: partitionOf(i), padding: 2_000 }));
    const registry = await registryWith(specs);
    const oneSize = (await registry.latest(nameOf(0)))!.size;
    const cache = new ModelCache({
      registry,
      prepare: linearPrepare,
      maxModels: 1_000,
      maxBytes: oneSize * 5 + 10,
      versionTtlMs: 60_000,
    });
    for (let i = 0; i < 40; i++) {
      await cache.get(nameOf(i));
      expect(cache.bytes).toBeLessThanOrEqual(oneSize * 5 + 10);
    }
    expect(cache.size).toBe(5);
  });

  it('picks up a newly promoted version after the TTL, and only re-checks (no reload) when unchanged', async () => {
    // lru-cache treats a start time of 0 as "no TTL", so the test clock starts later.
    let clock = 10_000;
    const registry = await registryWith([{ partition: partitionOf(0), level: 100 }]);
    const metrics = createServingMetrics({ defaultMetrics: false });
    const cache = new ModelCache({
      registry,
      prepare: linearPrepare,
      maxModels: 10,
      maxBytes: 1e6,
      versionTtlMs: 1_000,
      now: () => clock,
      metrics,
    });
    expect((await cache.get(nameOf(0)))?.version.version).toBe(1);
    clock = 10_000 + 1_500;
    expect((await cache.get(nameOf(0)))?.version.version).toBe(1);
    expect(registry.loads).toBe(1);
    expect(await metricValue(metrics, 'mm_serve_model_version_checks_total', 'same')).toBe(1);

    await registry.registerMany([
      { artifact: makeArtifact({ partition: partitionOf(0), level: 500 }), tags: {} },
    ]);
    clock = 10_000 + 2_000; // within the TTL of the last check: still the cached version
    expect((await cache.get(nameOf(0)))?.version.version).toBe(1);
    clock = 10_000 + 3_000;
    const fresh = await cache.get(nameOf(0));
    expect(fresh?.version.version).toBe(2);
    expect(fresh?.artifact.model.params.level).toBe(500);
    expect(registry.loads).toBe(2);
    expect(await metricValue(metrics, 'mm_serve_model_version_checks_total', 'changed')).toBe(1);
  });

  it('answers undefined for a name the registry lacks and remembers that for one TTL', async () => {
    // lru-cache treats a start time of 0 as "no TTL", so the test clock starts later.
    let clock = 10_000;
    const registry = await registryWith([]);
    const cache = new ModelCache({
      registry,
      prepare: linearPrepare,
      maxModels: 10,
      maxBytes: 1e6,
      versionTtlMs: 1_000,
      now: () => clock,
    });
    expect(await cache.get(nameOf(7))).toBeUndefined();
    expect(await cache.get(nameOf(7))).toBeUndefined();
    expect(registry.loads).toBe(1);
    await registry.registerMany([{ artifact: makeArtifact({ partition: partitionOf(7) }), tags: {} }]);
    clock = 10_000 + 1_001;
    expect((await cache.get(nameOf(7)))?.name).toBe(nameOf(7));
  });

  it('drops a model that left the registry once its TTL expires', async () => {
    // lru-cache treats a start time of 0 as "no TTL", so the test clock starts later.
    let clock = 10_000;
    const registry = await registryWith([{ partition: partitionOf(0) }]);
    const cache = new ModelCache({
      registry,
      prepare: linearPrepare,
      maxModels: 10,
      maxBytes: 1e6,
      versionTtlMs: 1_000,
      now: () => clock,
    });
    expect(await cache.get(nameOf(0))).toBeDefined();
    registry.versions.clear();
    clock = 10_000 + 2_000;
    expect(await cache.get(nameOf(0))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('fails waiting requests with a timeout error when a load is too slow, and keeps the late result', async () => {
    const registry = await registryWith([{ partition: partitionOf(0) }]);
    registry.loadDelayMs = 80;
    const cache = new ModelCache({
      registry,
      prepare: linearPrepare,
      maxModels: 10,
      maxBytes: 1e6,
      versionTtlMs: 60_000,
      loadTimeoutMs: 10,
    });
    await expect(cache.get(nameOf(0))).rejects.toThrow(ModelLoadTimeoutError);
    await expect(cache.get(nameOf(0))).rejects.toThrow(/took longer than 10 ms/);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await cache.get(nameOf(0)))?.name).toBe(nameOf(0));
    expect(registry.loads).toBe(1);
  });

  it('names the model and version when an artifact cannot be rebuilt, and does not cache the failure', async () => {
    const registry = await registryWith([{ partition: partitionOf(0) }]);
    let calls = 0;
    const cache = new ModelCache({
      registry,
      prepare: (artifact) => {
        calls++;
        if (calls === 1) throw new Error('params.level must be a number');
        return linearPrepare(artifact);
      },
      maxModels: 10,
      maxBytes: 1e6,
      versionTtlMs: 60_000,
    });
    const error = await cache.get(nameOf(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toBe(
      `model ${nameOf(0)} version 1 cannot be rebuilt from its artifact: params.level must be a number`,
    );
    expect(await cache.get(nameOf(0))).toBeDefined();
  });

  it('rejects bounds that cannot hold a model', async () => {
    const registry = await registryWith([]);
    const base = { registry, prepare: linearPrepare, maxBytes: 1, versionTtlMs: 1 };
    expect(() => new ModelCache({ ...base, maxModels: 0 })).toThrow('at least 1 model');
    expect(() => new ModelCache({ ...base, maxModels: 1, versionTtlMs: 0 })).toThrow('positive number of ms');
  });
});
