import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MODULE = path.resolve(import.meta.dirname, '../../src/util/compile-cache.ts');

async function filesBelow(dir: string): Promise<number> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}

describe('shareCompileCache', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'mm-compile-cache-'));
    // A worker module only a worker thread imports, so only the worker can put it into the cache.
    await writeFile(path.join(tmp, 'only-in-worker.ts'), 'const x: number = 41;\nexport const y = x + 1;\n');
    await writeFile(
      path.join(tmp, 'main.ts'),
      [
        `import module from 'node:module';`,
        `import { Worker } from 'node:worker_threads';`,
        `import { shareCompileCache } from ${JSON.stringify(MODULE)};`,
        // bin/mm.js turns the cache on before the CLI shares it.
        `if (process.argv[3] === 'enabled-first') module.enableCompileCache();`,
        `if (process.argv[2] === 'share') shareCompileCache();`,
        `const w = new Worker(new URL('./only-in-worker.ts', import.meta.url));`,
        `await new Promise((resolve) => w.on('exit', resolve));`,
        `console.log(process.env.NODE_COMPILE_CACHE ?? '');`,
      ].join('\n'),
    );
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const run = (mode: string, before = '') => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    return execa(process.execPath, [path.join(tmp, 'main.ts'), mode, before], {
      env,
      extendEnv: false,
      cwd: tmp,
    });
  };

  it('given no configured cache, when shared, then worker threads started afterwards write into one cache', async () => {
    const shared = await run('share');
    const directory = shared.stdout.trim();
    expect(directory).toBe(path.join(tmp, 'node-compile-cache'));
    // main.ts and the helper were compiled before the cache was on: what is in it, the worker thread wrote.
    const withWorker = await filesBelow(directory);
    await rm(directory, { recursive: true });
    const without = await run('off');
    expect(without.stdout.trim()).toBe('');
    expect(await filesBelow(directory)).toBe(0);
    expect(withWorker).toBeGreaterThan(0);
  });

  it('given the cache already on in this thread (bin/mm.js), when shared, then worker threads use the same folder, not a version folder nested in it', async () => {
    const shared = await run('share', 'enabled-first');
    const directory = shared.stdout.trim();
    expect(directory).toBe(path.join(tmp, 'node-compile-cache'));
    // Node keeps one folder per Node version and flags; a thread handed that folder would nest a second one.
    const versions = await readdir(directory, { withFileTypes: true });
    expect(versions.filter((e) => e.isDirectory())).toHaveLength(1);
    const inside = await readdir(path.join(directory, versions[0]!.name), { withFileTypes: true });
    expect(inside.filter((e) => e.isDirectory()).map((e) => e.name)).toEqual([]);
    expect(inside.length).toBeGreaterThan(0);
  });
});
