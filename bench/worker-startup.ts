// Benchmark: CPU to start the training worker pool (two threads that load src/engine/worker.ts and its imports),
// without and with Node's compile cache shared with the worker threads (src/util/compile-cache.ts).
//   node bench/worker-startup.ts [runs]
// Each measurement is a fresh process, so nothing is warm but the on-disk cache.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Piscina } from 'piscina';
import { shareCompileCache } from '../src/util/compile-cache.ts';

if (process.argv[2] === '--child') {
  if (process.argv[3] === 'cached') shareCompileCache();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const pool = new Piscina({
    filename: new URL('../src/engine/worker.ts', import.meta.url).href,
    minThreads: 2,
    maxThreads: 2,
  });
  // An empty task fails inside the worker, after every module is loaded: what is measured is the loading.
  await Promise.allSettled([pool.run({}), pool.run({})]);
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started }),
  );
  await pool.destroy();
} else {
  const runs = Number(process.argv[2] ?? 3);
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'mm-bench-compile-cache-'));
  const measure = async (mode: 'cold' | 'cached') => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: cacheDir };
    delete env.NODE_COMPILE_CACHE;
    if (mode === 'cold') env.NODE_DISABLE_COMPILE_CACHE = '1';
    const out = await execa(process.execPath, [import.meta.filename, '--child', mode], {
      env,
      extendEnv: false,
    });
    return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { cpuMs: number; wallMs: number };
  };
  await measure('cached'); // fills the cache
  for (const mode of ['cold', 'cached'] as const) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(mode));
    console.log(
      `${mode === 'cold' ? 'no compile cache ' : 'shared cache, warm'}: CPU ${results.map((r) => r.cpuMs.toFixed(0)).join(' / ')} ms, ` +
        `wall ${results.map((r) => r.wallMs.toFixed(0)).join(' / ')} ms (load ${os.loadavg()[0]!.toFixed(1)})`,
    );
  }
  await rm(cacheDir, { recursive: true, force: true });
}
