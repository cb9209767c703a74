// Pipeline entry point for the 'serve' stage: the same command as `mm serve`.
import { runStage } from '../src/cli/run.ts';

await runStage('serve', process.argv.slice(2));
