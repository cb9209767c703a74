// Pipeline entry point for the 'generate' stage: the same command as `mm generate`.
import { runStage } from '../src/cli/run.ts';

await runStage('generate', process.argv.slice(2));
