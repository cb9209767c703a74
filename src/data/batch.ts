/**
 * The columnar shape in which partitions travel from DuckDB to the workers.
 * One batch holds many partitions back to back; `offsets` marks where each starts, so a batch is a handful of
 * typed arrays that can be transferred to a worker thread without copying and without one object per row.
 */
export interface PartitionBatch {
  /** Raw partition key values, one array per partition, in `dataset.partitionBy` order. */
  keys: string[][];
  /** offsets[i]..offsets[i+1] are partition i's rows; length = keys.length + 1. */
  offsets: Int32Array;
  /** Observation dates as days since 1970-01-01 (UTC), ascending within each partition. */
  time: Int32Array;
  /** Target values; NaN marks a missing observation. */
  target: Float64Array;
  /** One array per configured feature, aligned with `time`. */
  features: Float64Array[];
}

/** One partition's series: views into a batch's arrays (no copy). */
export interface Series {
  key: string[];
  time: Int32Array;
  y: Float64Array;
  /** Covariates, one array per feature, same length as `y`. */
  x: Float64Array[];
}

export function seriesAt(batch: PartitionBatch, index: number): Series {
  const start = batch.offsets[index]!;
  const end = batch.offsets[index + 1]!;
  return {
    key: batch.keys[index]!,
    time: batch.time.subarray(start, end),
    y: batch.target.subarray(start, end),
    x: batch.features.map((f) => f.subarray(start, end)),
  };
}

export function* seriesOf(batch: PartitionBatch): Generator<Series> {
  for (let i = 0; i < batch.keys.length; i++) yield seriesAt(batch, i);
}

/** The buffers to hand to `postMessage`/piscina as transferables. */
export function transferablesOf(batch: PartitionBatch): ArrayBuffer[] {
  const buffers = [batch.offsets, batch.time, batch.target, ...batch.features].map((a) => a.buffer);
  return [...new Set(buffers)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

const MS_PER_DAY = 86_400_000;

export function epochDayOf(date: Date): number {
  return Math.floor(date.getTime() / MS_PER_DAY);
}

export function dateOfEpochDay(day: number): Date {
  return new Date(day * MS_PER_DAY);
}

/** Recent days' ISO dates: a run's partitions mostly share their dates, and every artifact writes several. */
const isoDates = new Map<number, string>();

/** ISO date (YYYY-MM-DD) of an epoch day. */
export function isoDate(day: number): string {
  let iso = isoDates.get(day);
  if (iso === undefined) {
    iso = dateOfEpochDay(day).toISOString().slice(0, 10);
    if (isoDates.size >= 4096) isoDates.clear();
    isoDates.set(day, iso);
  }
  return iso;
}
