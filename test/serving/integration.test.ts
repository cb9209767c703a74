import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { isoDate } from '../../src/data/batch.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { loadModel } from '../../src/models/index.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { forecastArtifact } from '../../src/scoring/forecast-artifact.ts';
import scoreBatch from '../../src/scoring/worker.ts';
import type { ForecastResponse } from '../../src/serving/forecast-route.ts';
import { type RunningServer, startScoringServer } from '../../src/serving/server.ts';
import { PARTITION_COLUMNS, retarget, trainedArtifact } from './real-artifacts.ts';

/**
 * The service end to end on real parts: the local prod registry on disk, models rebuilt by `loadModel`,
 * a fastify server listening on loopback, requests over HTTP.
 */

let root: string;
let registry: LocalModelRegistry;
let server: RunningServer | undefined;
const trained: Record<string, ModelArtifact> = {};
const partition = (i: number) => ({ Store: String(2000 + i), Brand: 'tropicana' });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mm-serve-'));
  registry = new LocalModelRegistry({ root, stage: 'prod' });
  trained.ridge = trainedArtifact(partition(0), { seed: 1, candidates: ['ridge'] });
  trained.ets = trainedArtifact(partition(1), { seed: 2, candidates: ['ets'] });
  trained.seasonal = trainedArtifact(partition(2), { seed: 3, weeks: 130, candidates: ['seasonal_naive'] });
  const copies = Array.from({ length: 300 }, (_, i) => retarget(trained.ridge!, partition(100 + i)));
  await registry.registerMany(
    [trained.ridge, trained.ets, trained.seasonal, ...copies].map((artifact) => ({
      artifact: artifact!,
      tags: {},
    })),
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(cache: { maxModels?: number; versionTtlMs?: number } = {}, reg = registry) {
  server = await startScoringServer({
    registry: reg,
    partitionBy: PARTITION_COLUMNS,
    prepare: (artifact) => loadModel(artifact.model),
    host: '127.0.0.1',
    port: 0,
    cache,
    auth: { mode: 'anonymous' },
  });
  return server;
}

/** The real registry, with loads slowed down so requests surely overlap them. */
function slowRegistry(delayMs: number): LocalModelRegistry {
  const slow = new LocalModelRegistry({ root, stage: 'prod' });
  const load = slow.load.bind(slow);
  slow.load = async (name, version) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return load(name, version);
  };
  return slow;
}

async function forecast(body: unknown): Promise<{ status: number; body: ForecastResponse }> {
  const response = await fetch(`${server!.url}/v1/forecast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ForecastResponse };
}

async function metric(line: string): Promise<number> {
  const text = await (await fetch(`${server!.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : Number.NaN;
}

describe('the scoring service on the local prod registry', () => {
  it('forecasts exactly what the batch scorer writes for the same model and inputs', async () => {
    await start();
    const config = configSchema.parse({
      dataset: {
        path: 'unused.parquet',
        partitionBy: PARTITION_COLUMNS,
        time: 'WeekStarting',
        target: 'Quantity',
        frequency: 'W',
        features: ['Price', 'Advert'],
      },
      forecast: { horizon: 8, holdout: 8 },
      storage: { kind: 'local', root },
    });
    for (const artifact of [trained.ridge!, trained.ets!, trained.seasonal!]) {
      const key = PARTITION_COLUMNS.map((c) => artifact.partition[c]!);
      const rows = await scoreBatch({
        config,
        runId: 'r',
        partitions: [{ name: artifact.name, key }],
        future: null,
      });
      const served = await forecast({ partition: artifact.partition, horizon: 8 });
      expect(served.status).toBe(200);
      expect(served.body.model.kind).toBe(artifact.model.kind);
      expect(served.body.forecast.map((f) => f.value)).toEqual(rows.map((r) => r.forecast));
      expect(served.body.forecast.map((f) => f.date)).toEqual(rows.map((r) => isoDate(r.time!)));
      expect(served.body.usedFallback).toBe(rows[0]!.usedFallback);
    }
  });

  it('forecasts exactly what forecastArtifact gives with planned covariates', async () => {
    await start();
    const future = { Price: [2.1, 2.2, 2.9, 3.5, 2, 2, 2.4, 2.5], Advert: [0, 1, 0, 0, 1, 0, 0, 1] };
    const served = await forecast({ partition: trained.ridge!.partition, horizon: 8, future });
    const batch = forecastArtifact(trained.ridge!, { horizon: 8, future });
    expect(served.body.usedFallback).toBe(false);
    expect(served.body.forecast.map((f) => f.value)).toEqual([...batch.values]);
    // Covariates matter: the same request without them is a different (fallback) forecast.
    const fallback = await forecast({ partition: trained.ridge!.partition, horizon: 8 });
    expect(fallback.body.usedFallback).toBe(true);
    expect(fallback.body.forecast.map((f) => f.value)).not.toEqual(served.body.forecast.map((f) => f.value));
  });

  it("answers 400 with the model's reason when the model rejects an input value", async () => {
    await start();
    const future = { Price: [2, 0], Advert: [0, 0] };
    const response = await forecast({ partition: trained.ridge!.partition, horizon: 2, future });
    expect(response.status).toBe(400);
    expect((response.body as unknown as { message: string }).message).toBe(
      'invalid forecast request: feature "Price" enters the model as log(Price) and must be > 0; got 0 at horizon step 2',
    );
  });

  it('loads a cold model once for many concurrent requests (single flight)', async () => {
    await start({}, slowRegistry(200));
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => forecast({ partition: partition(150), horizon: 4 })),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(await metric('mm_serve_model_load_duration_seconds_count{outcome="loaded"}')).toBe(1);
    expect(await metric('mm_serve_model_cache_misses_total')).toBe(40);
  });

  it('stays within its count bound under a load of many distinct partitions', async () => {
    const running = await start({ maxModels: 50 });
    let peak = 0;
    for (let start = 0; start < 300; start += 25) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, (_, k) => forecast({ partition: partition(100 + start + k), horizon: 2 })),
      );
      expect(batch.every((r) => r.status === 200)).toBe(true);
      peak = Math.max(peak, running.cache.size);
    }
    expect(peak).toBeLessThanOrEqual(50);
    expect(await metric('mm_serve_model_cache_models')).toBe(50);
    expect(await metric('mm_serve_model_cache_evictions_total')).toBe(250);
  });

  it('picks up a newly promoted version without a restart', async () => {
    const scratch = new LocalModelRegistry({ root: path.join(root, 'scratch'), stage: 'prod' });
    await scratch.registerMany([{ artifact: trained.ridge!, tags: {} }]);
    await start({ versionTtlMs: 150 }, scratch);
    const before = await forecast({ partition: trained.ridge!.partition, horizon: 3 });
    expect(before.body.model.version).toBe(1);

    const retrained = retarget(
      trainedArtifact({ Store: 'x', Brand: 'y' }, { seed: 99, candidates: ['ets'] }),
      {
        ...trained.ridge!.partition,
      },
    );
    await scratch.registerMany([{ artifact: retrained, tags: {} }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await forecast({ partition: trained.ridge!.partition, horizon: 3 });
    expect(after.body.model).toEqual({ name: retrained.name, version: 2, kind: 'ets' });
    expect(after.body.forecast.map((f) => f.value)).toEqual([
      ...forecastArtifact(retrained, { horizon: 3 }).values,
    ]);
    expect(await metric('mm_serve_model_version_checks_total{outcome="changed"}')).toBe(1);
  });

  it('finishes in-flight requests on shutdown and refuses new connections after', async () => {
    const running = await start({}, slowRegistry(300));
    const url = running.url;
    const inFlight = forecast({ partition: partition(160), horizon: 2 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = running.close();
    const answered = await inFlight;
    await closing;
    server = undefined;
    expect(answered.status).toBe(200);
    expect(answered.body.forecast).toHaveLength(2);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
