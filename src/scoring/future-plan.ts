/**
 * The planned covariates per partition and day, as scoring workers use them. Kept apart from reading the file
 * (future.ts, DuckDB): a worker thread must not load the DuckDB native addon, which is then torn down with the
 * thread when the pool ends.
 */
/** Planned covariates per partition: date (epoch day) -> feature values in `dataset.features` order. */
export type FutureCovariateTable = Map<string, Map<number, number[]>>;

/**
 * The covariates a model needs for its forecast dates, or undefined (the model's fallback applies to every
 * period) when the table has no row for this partition. A period the plan lacks, or a non-finite value, is
 * NaN: the model falls back for that period alone and uses the plan everywhere else.
 */
export function futureFor(
  table: FutureCovariateTable | undefined,
  name: string,
  times: Int32Array,
  features: readonly string[],
): Record<string, number[]> | undefined {
  const dates = table?.get(name);
  if (!dates || features.length === 0) return undefined;
  const out: Record<string, number[]> = Object.fromEntries(features.map((f) => [f, []]));
  for (const t of times) {
    const values = dates.get(t);
    for (let i = 0; i < features.length; i++) {
      const v = values?.[i];
      out[features[i]!]!.push(v !== undefined && Number.isFinite(v) ? v : Number.NaN);
    }
  }
  return out;
}
