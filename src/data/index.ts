/** The data layer: validate and prepare a dataset into the Parquet lake, and read partitions back as typed arrays. */
export * from './batch.ts';
export { bucketCountFor, bucketDir, bucketOf } from './buckets.ts';
export { type CatalogEntry, listPartitions } from './catalog.ts';
export type { DatasetProblem } from './checks.ts';
export {
  type Classification,
  classifyPartition,
  PARTITION_STATUSES,
  type PartitionProblem,
  type PreparedStatus,
} from './classify.ts';
export { ValidationError } from './errors.ts';
export { type PreparedMeta, readMeta } from './meta.ts';
export { type PrepareOptions, type PrepareResult, prepare } from './prepare.ts';
export { type ExcludedPartition, formatReport, type ValidationReport } from './report.ts';
export { countValid, type StreamOptions, streamPartitions } from './stream.ts';
