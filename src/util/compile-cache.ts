import module from 'node:module';

/**
 * Node compiles (and type-strips) every module again in each worker thread: 0.2-0.3 s of CPU per pool of two at
 * start-up, on every run. Node's on-disk compile cache turns that into a read after the first run. Enabling it
 * here covers this thread's later imports; exporting NODE_COMPILE_CACHE covers worker threads started after this
 * call, which read it when they start. A cache the user configured (or disabled with
 * NODE_DISABLE_COMPILE_CACHE) is left alone. Measured in bench/results/train.md.
 */
export function shareCompileCache(): void {
  if (process.env.NODE_COMPILE_CACHE !== undefined || process.env.NODE_DISABLE_COMPILE_CACHE !== undefined)
    return;
  const { directory } = module.enableCompileCache();
  if (directory) process.env.NODE_COMPILE_CACHE = directory;
}
