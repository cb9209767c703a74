/**
 * Maps over items with at most `limit` calls in flight, keeping results in input order. On the first error no
 * new item starts, and the call rejects only once every started item has settled: a registry writer must not
 * release its lock while a version is still being written (p-map rejects at once and leaves those running).
 * An aborted signal starts no new item and rejects with the signal's reason once the started ones settle.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  options: { abortSignal?: AbortSignal | undefined } = {},
): Promise<R[]> {
  const { abortSignal } = options;
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      if (abortSignal?.aborted) {
        failure ??= { error: abortSignal.reason };
        break;
      }
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
