/**
 * Load benchmark of the scoring service against N registered prod models (default 10,000) on the real local
 * registry, on loopback only, bounded in time. The server runs in a child process (as in production); this
 * process drives it with autocannon and samples the child's resident memory from /proc.
 *   warm: requests spread over a warm set of partitions that all fit in the cache -> latency, throughput
 *   cold: requests walk all N partitions in order through a smaller cache -> every request loads its model
 * Run: node bench/serve.ts [models=10000] [seconds=10] [connections=4,10]  (warm runs once per connection count;
 *   cold uses the last)
 * Profile the server: MM_BENCH_CPU_PROF=/tmp/prof node bench/serve.ts
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/models/index.ts';
import { LocalModelRegistry } from '../src/registry/local.ts';
import { startScoringServer } from '../src/serving/server.ts';
import { PARTITION_COLUMNS, retarget, trainedArtifact } from '../test/serving/real-artifacts.ts';

interface Histogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
type AutocannonRequest = { method: string; path: string; headers: Record<string, string>; body?: string };
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: (AutocannonRequest & { setupRequest: (req: AutocannonRequest) => AutocannonRequest })[];
}) => Promise<AutocannonResult>;

// autocannon ships no types; this is the slice of its documented API the benchmark uses. Loaded on use, so
// the server child does not carry it.
const autocannon = (options: Parameters<Autocannon>[0]) =>
  (createRequire(import.meta.url)('autocannon') as Autocannon)(options);

const SELF = fileURLToPath(import.meta.url);
const partition = (i: number) => ({ Store: `store-${i}`, Brand: `brand-${i % 13}` });
const FUTURE = { Price: [2.1, 2.2, 2.5, 2.4, 2.3, 2.2, 2.1, 2.0], Advert: [0, 1, 0, 0, 1, 0, 0, 0] };
const bodyOf = (i: number) => JSON.stringify({ partition: partition(i), horizon: 8, future: FUTURE });

/** Child mode: run the service on loopback and report its URL to the parent. */
async function serveChild(root: string, maxModels: number): Promise<void> {
  const server = await startScoringServer({
    registry: new LocalModelRegistry({ root, stage: 'prod' }),
    partitionBy: PARTITION_COLUMNS,
    prepare: (artifact) => loadModel(artifact.model),
    host: '127.0.0.1',
    port: 0,
    cache: { maxModels, versionTtlMs: 60_000 },
    auth: { mode: 'anonymous' },
  });
  process.send?.({ url: server.url });
  process.on('message', () => {
    void server.close().then(() => process.exit(0));
  });
}

/** CPU seconds (user + system) the process has used, from /proc: robust to other load on the machine. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function withServer<T>(root: string, maxModels: number, run: (url: string, pid: number) => Promise<T>) {
  // MM_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each server run there (open it in Chrome DevTools).
  const profile = process.env.MM_BENCH_CPU_PROF;
  const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = fork(SELF, ['--child', root, String(maxModels)], { stdio: 'inherit', execArgv });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  try {
    return await run(url, child.pid!);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('stop');
    await exited;
  }
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

function load(url: string, seconds: number, connections: number, next: () => number) {
  const base = { method: 'POST', path: '/v1/forecast', headers: { 'content-type': 'application/json' } };
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ ...base, setupRequest: (req) => ({ ...req, body: bodyOf(next()) }) }],
  });
}

const fmt = (r: AutocannonResult) =>
  `${r.requests.average.toFixed(0)} req/s, latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, ` +
  `p99 ${r.latency.p99} ms, max ${r.latency.max} ms; ${r.requests.total} requests, ` +
  `${r.non2xx} non-2xx, ${r.errors} errors`;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const seconds = Number(process.argv[3] ?? 10);
  const connectionCounts = (process.argv[4] ?? '4,10').split(',').map(Number);
  const connections = connectionCounts.at(-1)!;
  const root = await mkdtemp(path.join(os.tmpdir(), 'mm-bench-serve-'));
  try {
    let started = performance.now();
    // A pool of real trained models (ridge, ETS, seasonal naive...) spread over N partitions.
    const mixes = [['ridge'], ['ets'], ['seasonal_naive'], undefined] as const;
    const pool = Array.from({ length: 100 }, (_, i) =>
      trainedArtifact(partition(i), { seed: i + 1, weeks: 130, candidates: mixes[i % 4]?.slice() }),
    );
    const kinds = new Map<string, number>();
    for (const a of pool) kinds.set(a.model.kind, (kinds.get(a.model.kind) ?? 0) + 1);
    console.log(
      `trained ${pool.length} models in ${((performance.now() - started) / 1000).toFixed(1)} s:`,
      kinds,
    );
    const registry = new LocalModelRegistry({ root, stage: 'prod', durable: false });
    started = performance.now();
    await registry.registerMany(
      Array.from({ length: n }, (_, i) => ({
        artifact: retarget(pool[i % pool.length]!, partition(i)),
        tags: {},
      })),
    );
    console.log(`registered ${n} models in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const warmSet = Math.min(1_000, n);
    await withServer(root, 2 * warmSet, async (url, pid) => {
      for (let i = 0; i < warmSet; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, warmSet - i) }, (_, k) => load1(url, i + k)));
      }
      for (const c of connectionCounts) {
        let k = 0;
        const cpu = await cpuSeconds(pid);
        const warm = await load(url, seconds, c, () => (k++ * 7919) % warmSet);
        const perRequest = ((await cpuSeconds(pid)) - cpu) / warm.requests.total;
        console.log(`warm (${warmSet} cached models, ${c} connections, ${seconds} s): ${fmt(warm)}`);
        console.log(
          `  server CPU ${(perRequest * 1e6).toFixed(0)} µs per request (${(1 / perRequest).toFixed(0)} req/s per core)`,
        );
      }
      const hits = await metric(url, 'mm_serve_model_cache_hits_total');
      const misses = await metric(url, 'mm_serve_model_cache_misses_total');
      console.log(`  cache hits ${hits}, misses ${misses} (the misses are the ${warmSet} warm-up loads)`);
    });

    const cacheMax = Math.max(1, Math.floor(n / 20));
    await withServer(root, cacheMax, async (url, pid) => {
      const samples: number[] = [await rssMb(pid)];
      const timer = setInterval(() => {
        void rssMb(pid).then((mb) => samples.push(mb));
      }, 500);
      let k = 0;
      const cpu = await cpuSeconds(pid);
      const cold = await load(url, seconds, connections, () => k++ % n);
      const perRequest = ((await cpuSeconds(pid)) - cpu) / cold.requests.total;
      clearInterval(timer);
      console.log(
        `cold (cache ${cacheMax} of ${n} models, sequential walk, ${connections} connections): ${fmt(cold)}`,
      );
      console.log(
        `  server CPU ${(perRequest * 1e6).toFixed(0)} µs per request (${(1 / perRequest).toFixed(0)} req/s per core)`,
      );
      const loads = await metric(url, 'mm_serve_model_load_duration_seconds_count{outcome="loaded"}');
      const evictions = await metric(url, 'mm_serve_model_cache_evictions_total');
      const cached = await metric(url, 'mm_serve_model_cache_models');
      const bytes = await metric(url, 'mm_serve_model_cache_bytes');
      console.log(
        `  model loads ${loads}, evictions ${evictions}, cached ${cached} models / ${(bytes / 1e6).toFixed(1)} MB`,
      );
      const third = Math.max(1, Math.floor(samples.length / 3));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(
        `  server RSS MB: start ${samples[0]!.toFixed(0)}, min ${Math.min(...samples).toFixed(0)}, ` +
          `max ${Math.max(...samples).toFixed(0)}, first-third mean ${mean(samples.slice(0, third)).toFixed(0)}, ` +
          `last-third mean ${mean(samples.slice(-third)).toFixed(0)} (${samples.length} samples)`,
      );
      const step = Math.max(1, Math.floor(samples.length / 10));
      console.log(
        `  RSS timeline MB: ${samples
          .filter((_, i) => i % step === 0)
          .map((mb) => mb.toFixed(0))
          .join(' ')}`,
      );
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function load1(url: string, i: number): Promise<void> {
  const response = await fetch(`${url}/v1/forecast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodyOf(i),
  });
  if (response.status !== 200) throw new Error(`warm-up ${i}: ${response.status} ${await response.text()}`);
}

if (process.argv[2] === '--child') await serveChild(process.argv[3]!, Number(process.argv[4]));
else await main();
