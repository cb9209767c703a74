import { summarise, type TargetSummary, type TargetTransform, transformAll } from './series-math.ts';

/**
 * Work that several models fitted on the same window of the same series share: the target on the log scale (ridge,
 * arx and ETS), ridge's scaled covariates and holiday count (ridge and arx). The first fit computes it, the others
 * reuse it, so a partition's candidates do not repeat each other's preparation. The engine keeps one per window;
 * the window's arrays must not change while it lives, and what it holds is read, never written.
 */
export class SharedWork {
  readonly #memo = new Map<string, unknown>();

  get<T>(key: string, compute: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = compute();
    this.#memo.set(key, value);
    return value;
  }
}

/** `compute()` through `shared` when there is one. */
export function sharedOr<T>(shared: SharedWork | undefined, key: string, compute: () => T): T {
  return shared ? shared.get(key, compute) : compute();
}

/** The window's target summary, on the ETS and ridge fits alike. */
export function targetSummary(y: Float64Array, shared?: SharedWork): TargetSummary {
  return sharedOr(shared, 'summary', () => summarise(y));
}

/** The window's target on a fitted scale, NaN where it is missing; one per transform, whichever model asks. */
export function transformedTarget(
  transform: TargetTransform,
  y: Float64Array,
  shared?: SharedWork,
): Float64Array {
  return sharedOr(shared, `target:${transform}`, () => transformAll(transform, y));
}
