// Pipeline entry point (ml.yml, stage EvaluateAndPromote): publish the run's decisions and their summary.
import { runPublish } from './publish.ts';

process.exitCode = await runPublish(process.argv.slice(2));
