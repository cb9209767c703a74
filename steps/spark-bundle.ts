// `npm run spark:bundle [-- --out <dir>]`: builds the runtime folder the Spark engines install on their machines
// (scripts/spark/bundle.ts, docs/spark.md): upload it to the Databricks runtime volume or the Synapse runtime
// folder of this version. Build it on linux-x64 (the executors' platform): the native bindings are this machine's.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSparkBundle } from '../scripts/spark/bundle.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: '.mm/spark-runtime' } } });
const started = Date.now();
const bundle = await buildSparkBundle({
  repoRoot: path.resolve(import.meta.dirname, '..'),
  outDir: values.out,
});
console.log(
  `spark runtime folder ${bundle.outDir} (${((Date.now() - started) / 1000).toFixed(1)} s):\n` +
    `  ${path.basename(bundle.archive)}  Node ${bundle.node}, the app and ${bundle.packages} production packages\n` +
    `  sha256 ${bundle.sha256}\n` +
    `  install-mm.sh (Databricks init script), mm_spark.py, mm_executor.py, mm_prepare.py (Synapse file/pyFiles)`,
);
