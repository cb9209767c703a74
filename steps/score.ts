// Pipeline entry point for the 'score' stage: the same command as `mm score`.
import { runStage } from '../src/cli/run.ts';

await runStage('score', process.argv.slice(2));
