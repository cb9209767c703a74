import { afterEach, describe, expect, it } from 'vitest';
import { isModelName, modelName } from '../../src/core/model-name.ts';
import { buildScoringApp, type ScoringApp } from '../../src/serving/app.ts';
import type { ForecastResponse } from '../../src/serving/forecast-route.ts';
import type { ErrorBody } from '../../src/serving/http-error.ts';
import { linearPrepare, type MemoryRegistry, makeArtifact, PARTITION_BY, registryWith } from './fixtures.ts';

const STORE = { Store: '1000', Brand: 'dominicks' };
let current: ScoringApp | undefined;

async function serve(registry?: MemoryRegistry, maxHorizon?: number): Promise<ScoringApp> {
  const reg = registry ?? (await registryWith([{ partition: STORE }]));
  current = buildScoringApp({
    registry: reg,
    partitionBy: PARTITION_BY,
    prepare: linearPrepare,
    maxHorizon: maxHorizon ?? 104,
    bodyLimit: 4096,
    auth: { mode: 'anonymous' },
  });
  return current;
}

afterEach(async () => {
  await current?.app.close();
  current = undefined;
});

async function post(scoring: ScoringApp, body: unknown, contentType = 'application/json') {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return scoring.app.inject({
    method: 'POST',
    url: '/v1/forecast',
    payload,
    headers: { 'content-type': contentType },
  });
}

describe('POST /v1/forecast', () => {
  it('returns the dated forecast with the model name, version, kind and latency', async () => {
    const scoring = await serve();
    const response = await post(scoring, {
      partition: STORE,
      horizon: 3,
      future: { Price: [1, 2, 3], Advert: [0, 1, 0] },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<ForecastResponse>();
    expect(body.model).toEqual({ name: modelName(['1000', 'dominicks']), version: 1, kind: 'ridge' });
    // level 100 + slope*(h+1) + 1*Price + 2*Advert, weekly from the last observation 2022-12-25
    expect(body.forecast).toEqual([
      { date: '2023-01-01', value: 102 },
      { date: '2023-01-08', value: 106 },
      { date: '2023-01-15', value: 106 },
    ]);
    expect(body.usedFallback).toBe(false);
    expect(body.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.latencyMs).toBeLessThan(1_000);
  });

  it("uses the model's fallback and says so when future covariates are omitted", async () => {
    const scoring = await serve();
    const body = (await post(scoring, { partition: STORE, horizon: 2 })).json<ForecastResponse>();
    expect(body.usedFallback).toBe(true);
    expect(body.forecast.map((f) => f.value)).toEqual([104, 105]);
  });

  it('answers 404 naming the partition and the model when prod has no model for it', async () => {
    const scoring = await serve();
    const response = await post(scoring, { partition: { Store: '9999', Brand: 'dominicks' }, horizon: 2 });
    expect(response.statusCode).toBe(404);
    expect(response.json<ErrorBody>().message).toBe(
      `no prod model for partition Store="9999", Brand="dominicks" (model name ${modelName(['9999', 'dominicks'])})`,
    );
  });

  it('turns hostile partition values into safe model names (no path traversal)', async () => {
    const registry = await registryWith([]);
    const seen: string[] = [];
    const load = registry.load.bind(registry);
    registry.load = (name, version) => {
      seen.push(name);
      return load(name, version);
    };
    const scoring = await serve(registry);
    const response = await post(scoring, {
      partition: { Store: '../../../etc/passwd', Brand: '..' },
      horizon: 1,
    });
    expect(response.statusCode).toBe(404);
    expect(seen).toHaveLength(1);
    expect(isModelName(seen[0]!)).toBe(true);
    expect(seen[0]).not.toContain('/');
    expect(seen[0]).not.toContain('..');
  });

  const BAD_REQUESTS: [string, unknown, RegExp][] = [
    ['an array body', [1, 2], /expected a JSON object with partition, horizon/],
    ['a missing horizon', { partition: STORE }, /horizon: expected a whole number of periods/],
    ['horizon 0', { partition: STORE, horizon: 0 }, /horizon: horizon must be at least 1 period/],
    [
      'horizon above the limit',
      { partition: STORE, horizon: 105 },
      /horizon: horizon must be at most 104 periods/,
    ],
    [
      'a fractional horizon',
      { partition: STORE, horizon: 2.5 },
      /horizon: expected a whole number of periods/,
    ],
    ['a string horizon', { partition: STORE, horizon: '8' }, /horizon: expected a whole number of periods/],
    [
      'a missing partition',
      { horizon: 2 },
      /partition: expected an object with the partition columns Store, Brand/,
    ],
    [
      'a missing partition column',
      { partition: { Store: '1000' }, horizon: 2 },
      /partition\.Brand: expected the partition value as a string/,
    ],
    [
      'an extra partition column',
      { partition: { ...STORE, Region: 'x' }, horizon: 2 },
      /partition: unknown key\(s\) 'Region'/,
    ],
    [
      'a numeric partition value',
      { partition: { Store: 1000, Brand: 'dominicks' }, horizon: 2 },
      /partition\.Store: expected the partition value as a string/,
    ],
    [
      'an empty partition value',
      { partition: { Store: '', Brand: 'dominicks' }, horizon: 2 },
      /partition\.Store: a partition value cannot be empty/,
    ],
    [
      'an unknown top-level field',
      { partition: STORE, horizon: 2, model: 'x' },
      /\(root\): unknown key\(s\) 'model'/,
    ],
    [
      'a non-numeric covariate',
      { partition: STORE, horizon: 2, future: { Price: [1, 'a'], Advert: [0, 0] } },
      /future\.Price\.1: expected a finite number/,
    ],
    [
      'a null covariate value',
      { partition: STORE, horizon: 2, future: { Price: [1, null], Advert: [0, 0] } },
      /future\.Price\.1: expected a finite number/,
    ],
    [
      'an unknown covariate',
      { partition: STORE, horizon: 2, future: { Price: [1, 1], Advert: [0, 0], Temp: [1, 1] } },
      /future\.Temp: unknown covariate; the model uses Price, Advert/,
    ],
    [
      'a missing covariate',
      { partition: STORE, horizon: 2, future: { Price: [1, 1] } },
      /future: missing Advert; give every covariate \(Price, Advert\) or omit future/,
    ],
    [
      'a covariate of the wrong length',
      { partition: STORE, horizon: 3, future: { Price: [1, 1], Advert: [0, 0, 0] } },
      /future\.Price: has 2 values but the horizon is 3/,
    ],
  ];

  it.each(BAD_REQUESTS)('answers 400 to %s, saying what is wrong', async (_label, body, message) => {
    const scoring = await serve();
    const response = await post(scoring, body);
    expect(response.statusCode).toBe(400);
    const error = response.json<ErrorBody>();
    expect(error.error).toBe('Bad Request');
    expect(error.message).toMatch(/^invalid forecast request: /);
    expect(error.message).toMatch(message);
    expect(error.issues?.length).toBeGreaterThan(0);
  });

  it('answers 400 to malformed JSON', async () => {
    const response = await post(await serve(), '{"partition": ');
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().message).toMatch(/JSON/);
  });

  it('answers 400 to an empty body', async () => {
    const scoring = await serve();
    const response = await scoring.app.inject({ method: 'POST', url: '/v1/forecast' });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().message).toMatch(
      /send a JSON body with content-type application\/json/,
    );
  });

  it('answers 400 to a prototype-poisoning payload', async () => {
    const response = await post(
      await serve(),
      '{"partition":{"Store":"1","Brand":"b"},"horizon":1,"__proto__":{"x":1}}',
    );
    expect(response.statusCode).toBe(400);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const response = await post(await serve(), 'partition=1', 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(415);
    expect(response.json<ErrorBody>().error).toBe('Unsupported Media Type');
  });

  it('answers 413 to a body over the size limit', async () => {
    const huge = {
      partition: STORE,
      horizon: 2,
      future: { Price: new Array(2000).fill(1.5), Advert: [0, 0] },
    };
    const response = await post(await serve(), huge);
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorBody>().message).toMatch(/body is too large/i);
  });

  it('answers 500 naming both keys when the registry returns another partition’s model', async () => {
    const registry = await registryWith([]);
    const artifact = makeArtifact({ partition: { Store: '2', Brand: 'other' } });
    artifact.name = modelName(['1000', 'dominicks']);
    await registry.registerMany([{ artifact, tags: {} }]);
    const response = await post(await serve(registry), { partition: STORE, horizon: 1 });
    expect(response.statusCode).toBe(500);
    expect(response.json<ErrorBody>().message).toMatch(
      /belongs to partition \{"Store":"2","Brand":"other"\}, not \{"Store":"1000","Brand":"dominicks"\}/,
    );
  });

  it('answers 502 when the registry cannot be read, keeping the cause (paths, URLs) in the log', async () => {
    const registry = await registryWith([{ partition: STORE }]);
    registry.failWith = 'connection refused';
    const response = await post(await serve(registry), { partition: STORE, horizon: 1 });
    expect(response.statusCode).toBe(502);
    expect(response.json<ErrorBody>().message).toBe(
      `could not load model ${modelName(['1000', 'dominicks'])} from the prod registry (see the service log)`,
    );
  });

  it('answers 404 with the routes it has to an unknown path', async () => {
    const scoring = await serve();
    const response = await scoring.app.inject({ method: 'GET', url: '/v1/models/../../etc' });
    expect(response.statusCode).toBe(404);
    expect(response.json<ErrorBody>().message).toMatch(/see POST \/v1\/forecast/);
  });
});

describe('health, readiness and metrics', () => {
  it('is live and ready while the registry answers, and not ready once draining', async () => {
    const scoring = await serve();
    expect((await scoring.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await scoring.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    scoring.startDraining();
    const draining = await scoring.app.inject({ url: '/readyz' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json<ErrorBody>().message).toMatch(/shutting down/);
    expect((await scoring.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('is not ready while the prod registry is unreachable, and says why', async () => {
    const registry = await registryWith([]);
    registry.failWith = 'ENOTFOUND mm-prod-mlw';
    const response = await (await serve(registry)).app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json<ErrorBody>().message).toBe(
      'the prod model registry is unreachable: ENOTFOUND mm-prod-mlw',
    );
  });

  it('exposes request, latency and cache metrics in Prometheus format', async () => {
    const scoring = await serve();
    await post(scoring, { partition: STORE, horizon: 1 });
    await post(scoring, { partition: STORE, horizon: 1 });
    await post(scoring, { partition: STORE, horizon: 0 });
    const response = await scoring.app.inject({ url: '/metrics' });
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toContain('mm_serve_requests_total{route="/v1/forecast",status="200"} 2');
    expect(text).toContain('mm_serve_requests_total{route="/v1/forecast",status="400"} 1');
    expect(text).toMatch(/mm_serve_request_duration_seconds_count\{route="\/v1\/forecast"\} 3/);
    expect(text).toContain('mm_serve_model_cache_hits_total 1');
    expect(text).toContain('mm_serve_model_cache_misses_total 1');
    expect(text).toContain('mm_serve_model_cache_models 1');
    expect(text).toContain('mm_serve_model_loads_in_flight 0');
    expect(text).toContain('mm_serve_model_cache_evictions_total 0');
    expect(text).toContain('process_resident_memory_bytes');
  });
});
