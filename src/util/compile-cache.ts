import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * Node compiles (and type-strips) every module again in each process and each worker thread. Node's on-disk
 * compile cache (Node 24 keeps the type-stripped source in it too) turns that into a read after the first run.
 * Enabling it here covers this thread's later imports; exporting NODE_COMPILE_CACHE covers worker threads and
 * child processes started afterwards, which read it when they start. Entry points (src/cli/main.ts, runStage,
 * the engine host) call this before importing their work. A cache the user configured (or disabled with
 * NODE_DISABLE_COMPILE_CACHE) is left alone. Measured in bench/results/train.md ("Start-up").
 */
export function shareCompileCache(): void {
  if (process.env.NODE_COMPILE_CACHE !== undefined || process.env.NODE_DISABLE_COMPILE_CACHE !== undefined)
    return;
  // Node's own default folder, named explicitly: once the cache is on (bin/mm.js turns it on first),
  // enableCompileCache() answers with its versioned sub-folder, and a thread given that would nest another
  // version folder inside it and keep a second copy of every module.
  const directory = path.join(os.tmpdir(), 'node-compile-cache');
  const { status } = module.enableCompileCache(directory);
  const { ENABLED, ALREADY_ENABLED } = module.constants.compileCacheStatus;
  if (status === ENABLED || status === ALREADY_ENABLED) process.env.NODE_COMPILE_CACHE = directory;
}
