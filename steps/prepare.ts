// Pipeline entry point for the 'prepare' stage: the same command as `mm prepare`.
import { runStage } from '../src/cli/run.ts';

await runStage('prepare', process.argv.slice(2));
