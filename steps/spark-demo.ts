// `npm run spark:demo`: the demo pipeline with prepare, train and score on a local Spark (local[2]) instead of
// DuckDB and the in-process worker pool: generate, prepare on Spark (8 hash buckets; `--prepare duckdb` for mm
// prepare), train on Spark, evaluate-and-promote, score on Spark, report. Outputs go to .mm/spark/, next to (not
// over) the plain demo's .mm/local/.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../src/cli/run.ts';
import { runLocalSpark } from '../src/compute/spark-local.ts';
import { loadConfig } from '../src/config/load.ts';
import { prepare, readMeta } from '../src/data/index.ts';
import { newRunId } from '../src/engine/run.ts';
import { lakeLayout } from '../src/storage/layout.ts';

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '400' },
    periods: { type: 'string', default: '156' },
    buckets: { type: 'string', default: '8' },
    master: { type: 'string', default: 'local[2]' },
    // Who writes the prepared lake: the Spark preparation (mm prepare's rules on the executors) or mm prepare.
    prepare: { type: 'string', default: 'spark' },
  },
});
const root = path.resolve('.mm/spark');
const layout = lakeLayout(root);
const configPath = 'configs/spark-demo.yaml';
// Every mm stage below works on this lake (the way a cluster node's mounted lake is passed).
process.env.MM_LAKE_ROOT = root;

function step(what: string): void {
  process.stderr.write(`\n== ${what}\n`);
}
async function mm(argv: string[]): Promise<void> {
  step(`mm ${argv.join(' ')}`);
  const code = await runCli(argv);
  if (code !== 0) throw new Error(`spark demo stopped: 'mm ${argv[0]}' exited with ${code}`);
}
async function spark(
  stage: 'prepare' | 'train' | 'score',
  runId: string,
  extra: { futurePath?: string; buckets?: number } = {},
): Promise<void> {
  step(`spark ${stage} (pipelines/spark/mm_spark.py, ${values.master}) run ${runId}`);
  const code = await runLocalSpark(
    { stage, runId, config: configPath, env: 'local', ...extra },
    { lakeRoot: root, master: values.master },
  );
  if (code !== 0) throw new Error(`spark demo stopped: the Spark ${stage} job exited with ${code}`);
}

const started = Date.now();
const raw = path.join(layout.raw, 'demo.parquet');
await mm([
  'generate',
  '--partitions',
  values.partitions,
  '--periods',
  values.periods,
  '--frequency',
  'W',
  '--out',
  raw,
  '--future',
  '8',
]);
if (values.prepare !== 'spark' && values.prepare !== 'duckdb') {
  throw new Error(`--prepare must be spark or duckdb, got ${values.prepare}`);
}
const config = loadConfig({ configPath, env: 'local' });
if (values.prepare === 'spark') {
  await spark('prepare', newRunId(), { buckets: Number(values.buckets) });
} else {
  step(`mm prepare into ${values.buckets} hash buckets (one Spark task each later)`);
  await prepare(config, { outDir: layout.prepared, buckets: Number(values.buckets) });
}
const prepared = { meta: await readMeta(layout.prepared) };
console.error(`prepared ${prepared.meta.partitions.total} partitions into ${prepared.meta.buckets} buckets`);
const trainRunId = newRunId();
await spark('train', trainRunId);
await mm(['evaluate-and-promote', '--config', configPath, '--run', trainRunId]);
const scoreRunId = newRunId();
await spark('score', scoreRunId, { futurePath: path.join(layout.raw, 'demo.future.parquet') });
await mm(['report', '--config', configPath, '--run', trainRunId]);
console.log(
  `\nspark demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s. Outputs under ${path.relative(process.cwd(), root)}/:\n` +
    `  prepared lake (${prepared.meta.buckets} buckets, ${values.prepare === 'spark' ? 'on Spark' : 'mm prepare'}) ${layout.prepared}\n` +
    `  run trained on Spark        ${layout.run(trainRunId)} (manifest.json, packs/)\n` +
    `  registries dev / prod       ${path.join(root, 'registry')}\n` +
    `  predictions scored on Spark ${path.join(layout.predictions, `run_id=${scoreRunId}`)}\n` +
    `  warehouse (DuckDB)          ${layout.warehouse}\n` +
    `  report (HTML)               ${path.join(layout.reports, `${trainRunId}.html`)}`,
);
