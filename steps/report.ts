// Pipeline entry point for the 'report' stage: the same command as `mm report`.
import { runStage } from '../src/cli/run.ts';

await runStage('report', process.argv.slice(2));
