// `npm start`: the whole pipeline on the embedded default (generate, prepare, train, promote, score, report).
import { runStage } from '../src/cli/run.ts';

await runStage('demo', process.argv.slice(2));
