/**
 * Additive Holt-Winters recursions (ETS(A,Ad,A) and its sub-models) on a pre-transformed series, written as
 * tight loops over typed arrays because the parameter search runs them a few hundred times per fit.
 * A missing observation (NaN) is replaced by its one-step forecast: the states carry on, nothing is learnt.
 */

export interface EtsStructure {
  trend: boolean;
  /** Season length, or 0 for none. */
  season: number;
}

export interface EtsParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

export interface EtsInit {
  level: number;
  slope: number;
  /** Initial seasonal states, position 0 = the series' first period. */
  season: Float64Array;
}

/** Heuristic initial states from whole seasons: level and slope from season means, seasonals from deviations. */
export function initialStates(z: Float64Array, structure: EtsStructure): EtsInit {
  const n = z.length;
  const m = structure.season;
  const block = m > 0 ? m : Math.min(n, 4);
  const blocks = Math.max(1, Math.min(m > 0 ? Math.floor(n / m) : 2, 4));
  const means = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let s = 0;
    let c = 0;
    for (let i = b * block; i < Math.min(n, (b + 1) * block); i++) {
      const v = z[i]!;
      if (Number.isFinite(v)) {
        s += v;
        c++;
      }
    }
    means[b] = c > 0 ? s / c : Number.NaN;
  }
  let level = means[0]!;
  if (!Number.isFinite(level)) level = firstFinite(z);
  let slope = 0;
  const lastMean = means[blocks - 1]!;
  if (structure.trend && blocks > 1 && Number.isFinite(lastMean)) {
    slope = (lastMean - level) / ((blocks - 1) * block);
  }
  const season = new Float64Array(m);
  if (m > 0) {
    const counts = new Float64Array(m);
    for (let b = 0; b < blocks; b++) {
      const mean = means[b]!;
      if (!Number.isFinite(mean)) continue;
      for (let j = 0; j < m; j++) {
        const v = z[b * m + j]!;
        if (Number.isFinite(v)) {
          season[j] = season[j]! + (v - mean);
          counts[j] = counts[j]! + 1;
        }
      }
    }
    let total = 0;
    for (let j = 0; j < m; j++) {
      season[j] = counts[j]! > 0 ? season[j]! / counts[j]! : 0;
      total += season[j]!;
    }
    for (let j = 0; j < m; j++) season[j] = season[j]! - total / m;
  }
  // The level starts one step before the first period, at the middle of the first block.
  return { level: level - slope * ((block - 1) / 2 + 1), slope, season };
}

function firstFinite(z: Float64Array): number {
  for (let i = 0; i < z.length; i++) if (Number.isFinite(z[i]!)) return z[i]!;
  return 0;
}

export interface EtsRun {
  sse: number;
  /** Observations the one-step errors were summed over. */
  count: number;
  level: number;
  slope: number;
}

/**
 * Runs the recursions over the series. `season` is the working seasonal buffer: it is filled from `init` and
 * left holding the final seasonal states (position i % m for period i), so the caller can read them after the
 * best run without another pass.
 *
 * With a `limit`, the run stops as soon as the SSE exceeds it and returns that partial sum (and partial states):
 * the SSE only grows (a sum of squares, and adding a non-negative double never makes a sum smaller), so a
 * parameter set whose SSE passes the best one so far can never beat it; the search's choice is the same as with
 * every run finished. The default (no limit) never stops early.
 */
export function runEts(
  z: Float64Array,
  structure: EtsStructure,
  params: EtsParams,
  init: EtsInit,
  season: Float64Array,
  limit = Number.POSITIVE_INFINITY,
): EtsRun {
  const m = structure.season;
  const trend = structure.trend;
  const alpha = params.alpha;
  const gamma = params.gamma;
  const phi = trend ? params.phi : 0;
  // alpha * beta * e is (alpha * beta) * e: the product is the same hoisted out of the loop.
  const alphaBeta = alpha * params.beta;
  let level = init.level;
  let slope = trend ? init.slope : 0;
  season.set(init.season);
  let sse = 0;
  let count = 0;
  const n = z.length;
  // Two loops, with and without a season, so the hot one tests nothing per period it need not; the arithmetic is
  // the general recursion's, with s = 0 left out of the sums when there is no season (x + 0 is x for every x but
  // -0, and the sign of a zero reaches no output: the recursions only add and multiply, and JSON writes -0 as 0).
  if (m > 0) {
    let j = 0;
    for (let t = 0; t < n; t++) {
      const s = season[j]!;
      const damped = phi * slope;
      const base = level + damped;
      const obs = z[t]!;
      if (!Number.isNaN(obs)) {
        const e = obs - (base + s);
        sse += e * e;
        if (sse > limit) return { sse, count: count + 1, level, slope };
        count++;
        level = base + alpha * e;
        slope = damped + alphaBeta * e;
        season[j] = s + gamma * e;
      } else {
        level = base;
        slope = damped;
      }
      if (++j === m) j = 0;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const damped = phi * slope;
      const base = level + damped;
      const obs = z[t]!;
      if (!Number.isNaN(obs)) {
        const e = obs - base;
        sse += e * e;
        if (sse > limit) return { sse, count: count + 1, level, slope };
        count++;
        level = base + alpha * e;
        slope = damped + alphaBeta * e;
      } else {
        level = base;
        slope = damped;
      }
    }
  }
  return { sse, count, level, slope };
}
