/** The synthetic retail generator: realistic store x brand sales with known ground truth. */
export {
  DEFAULT_START,
  type GenerateOptions,
  type GenerateResult,
  generate,
  generatedPaths,
  TIME_COLUMN,
} from './generate.ts';
export {
  BRANDS,
  DEFAULT_MIX,
  type KindMix,
  type PartitionParams,
  partitionParams,
  SERIES_KINDS,
  type SeriesKind,
} from './params.ts';
export type { GroundTruth, PartitionTruth } from './truth.ts';
