/**
 * The Node steps of the Spark preparation (`pipelines/spark/mm_spark.py prepare`); the rules are in
 * ./spark-prepare.ts and src/data, this only parses arguments and prints. JSON on stdout, messages on stderr.
 *   node src/compute/spark-prepare-step.ts source  --config <yaml> --env <name>          the raw files to shard
 *   node src/compute/spark-prepare-step.ts buckets --rows <n> | --work <dir>            bucket count mm prepare picks
 *   node src/compute/spark-prepare-step.ts shard   --config --env --shard <parquet> --out <dir> --buckets <n>
 *   node src/compute/spark-prepare-step.ts merge   --config --env --work <dir> --only <b,b,...>
 *   node src/compute/spark-prepare-step.ts finish  --config --env --work <dir> --buckets <n>
 * The lake is the config's storage root, or MM_LAKE_ROOT (set by the driver). Exit codes as mm prepare's.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { effectiveStorage } from '../azure/cluster.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { EXIT } from '../core/errors.ts';
import { bucketCountFor } from '../data/buckets.ts';
import { ValidationError } from '../data/errors.ts';
import { formatReport } from '../data/report.ts';
import { formatOf } from '../data/source.ts';
import { lakeLayout, workingRoot } from '../storage/layout.ts';
import { bucketsNeeded, finishSparkPrepare, mergeBuckets, prepareShard } from './spark-prepare.ts';

const USAGE =
  'usage: spark-prepare-step.ts source|buckets|shard|merge|finish [options] (see the file header)';

function config(values: { config: string; env: string }): Config {
  const loaded = loadConfig({ configPath: values.config, env: values.env });
  return { ...loaded, storage: effectiveStorage(loaded.storage) };
}

function whole(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 0)
    throw new ValidationError(`bad ${what}`, [`${what}: ${text}`]);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', default: 'configs/demo.yaml' },
      env: { type: 'string', default: 'local' },
      rows: { type: 'string' },
      work: { type: 'string' },
      shard: { type: 'string' },
      out: { type: 'string' },
      buckets: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const print = (value: unknown) => console.log(JSON.stringify(value));
  switch (positionals[0]) {
    case 'source': {
      const { dataset } = config(values);
      // Spark reads the same files; CSV as text, as DuckDB does (src/data/source.ts), so the rules see the same values.
      print({
        path: path.resolve(dataset.path),
        format: formatOf(dataset),
        partitionBy: dataset.partitionBy,
      });
      return EXIT.ok;
    }
    case 'buckets':
      print(values.work ? await bucketsNeeded(values.work) : bucketCountFor(whole(values.rows, '--rows')));
      return EXIT.ok;
    case 'shard': {
      if (!values.shard || !values.out) break;
      const outcome = await prepareShard(config(values), {
        shardFile: values.shard,
        outDir: values.out,
        buckets: whole(values.buckets, '--buckets'),
      });
      print({ shard: outcome.shard, preparedRows: outcome.preparedRows, passed: outcome.report.passed });
      return EXIT.ok;
    }
    case 'merge': {
      if (!values.work || values.only === undefined) break;
      const only = values.only === '' ? [] : values.only.split(',').map((b) => whole(b, '--only'));
      print(await mergeBuckets(config(values).dataset, { workDir: values.work, buckets: only }));
      return EXIT.ok;
    }
    case 'finish': {
      if (!values.work) break;
      const c = config(values);
      const outDir = lakeLayout(workingRoot(c)).prepared;
      try {
        const { report, meta, reportPath } = await finishSparkPrepare(c, {
          workDir: values.work,
          outDir,
          buckets: whole(values.buckets, '--buckets'),
          log: (line) => console.error(line),
        });
        console.error(formatReport(report));
        console.error(
          `prepared ${meta.rows.prepared} rows of ${meta.partitions.ok} partitions on Spark into ${outDir} ` +
            `(${meta.buckets} bucket(s), fingerprint ${meta.dataFingerprint})\nreport: ${reportPath}`,
        );
        return EXIT.ok;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        if (error.report) console.error(formatReport(error.report as Parameters<typeof formatReport>[0]));
        console.error(error.message);
        return EXIT.badInput;
      }
    }
  }
  console.error(USAGE);
  return EXIT.badInput;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return error instanceof ValidationError ? EXIT.badInput : EXIT.internal;
  });
}
