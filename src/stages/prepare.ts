import path from 'node:path';
import { historyWarning } from '../config/horizon.ts';
import { formatReport, prepare } from '../data/index.ts';
import type { StageContext } from './ports.ts';

export interface PrepareStageOptions {
  /** Prepared folder; by default the lake's `prepared/`, which is then published to the lake. */
  out?: string;
  /** Validation report file; outside the prepared folder it is also written on failure. */
  reportPath?: string;
}

/** Validates the dataset, writes the prepared Parquet lake and publishes it where the compute backends read it. */
export async function prepareStage(context: StageContext, options: PrepareStageOptions = {}) {
  const outDir = path.resolve(options.out ?? context.lake.layout.prepared);
  const result = await prepare(context.config, {
    outDir,
    reportPath: options.reportPath,
    progress: context.progress,
    log: context.log,
  });
  const { meta } = result;
  context.output(formatReport(result.report));
  context.output(
    `prepared ${meta.rows.prepared} rows of ${meta.partitions.ok} partitions into ${outDir} ` +
      `(${meta.buckets} bucket(s), fingerprint ${meta.dataFingerprint}) in ${result.seconds.toFixed(1)} s`,
  );
  context.output(`report: ${result.reportPath}`);
  const history = meta.partitions.ok > 0 ? meta.rows.prepared / meta.partitions.ok : 0;
  const warning = historyWarning(context.config.forecast.horizon, history);
  if (warning) context.log(`mm: warning in ${context.source.configPath}: ${warning}`);
  // Cluster nodes and Spark read the lake's copy: it must hold exactly this prepared data.
  if (!options.out) await context.lake.mirror('prepared', { abortSignal: context.abortSignal });
  return result;
}
