// Pipeline entry point for the 'train' stage: the same command as `mm train`.
import { runStage } from '../src/cli/run.ts';

await runStage('train', process.argv.slice(2));
