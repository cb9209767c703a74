// Pipeline entry point for the 'evaluate-and-promote' stage: the same command as `mm evaluate-and-promote`.
import { runStage } from '../src/cli/run.ts';

await runStage('evaluate-and-promote', process.argv.slice(2));
