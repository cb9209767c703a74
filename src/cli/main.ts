import { shareCompileCache } from '../util/compile-cache.ts';

// Before the CLI's modules load, so that they (and the worker threads') come from the compile cache.
shareCompileCache();
const { runCli } = await import('./run.ts');
process.exitCode = await runCli(process.argv.slice(2));
