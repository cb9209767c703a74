import { holidayFlag, yearPhase } from '../../src/calendar/index.ts';
import type { Frequency } from '../../src/core/vocabulary.ts';
import type { Series } from '../../src/data/batch.ts';
import type { SeriesContext } from '../../src/models/types.ts';

/**
 * Seeded generated series with known structure, shaped like the project's retail generator:
 * Quantity = exp(base + trend*t + season(yearPhase) + elasticity*log(Price/refPrice) + lift*Advert
 *                + holiday*flag + noise).
 */

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface RetailTruth {
  base: number;
  trend: number;
  /** Amplitude of the yearly season on the log scale. */
  season: number;
  elasticity: number;
  lift: number;
  holiday: number;
  /** Standard deviation of the log-scale noise. */
  noise: number;
  refPrice: number;
}

export const DEFAULT_TRUTH: RetailTruth = {
  base: Math.log(200),
  trend: 0.002,
  season: 0.4,
  elasticity: -2,
  lift: 0.3,
  holiday: 0.25,
  noise: 0.05,
  refPrice: 2.5,
};

/** 2021-01-03, a Sunday. */
export const START_DAY = 18630;

export interface RetailOptions {
  seed?: number;
  length?: number;
  truth?: Partial<RetailTruth>;
  key?: string[];
  /** Share of periods set to NaN (filled gaps). */
  gapShare?: number;
  /** Share of periods whose demand is zero (intermittent series). */
  zeroShare?: number;
}

export interface Fixture {
  series: Series;
  context: SeriesContext;
  truth: RetailTruth;
}

export function weeklyContext(features: string[] = ['Price', 'Advert']): SeriesContext {
  return { frequency: 'W', seasonLength: 52, features };
}

/** The known yearly season on the log scale. */
export function seasonAt(day: number, amplitude: number): number {
  const phase = yearPhase(day);
  return amplitude * (Math.sin(2 * Math.PI * phase) + 0.3 * Math.cos(4 * Math.PI * phase));
}

export function retailSeries(options: RetailOptions = {}): Fixture {
  const random = rng(options.seed ?? 1);
  const n = options.length ?? 156;
  const truth = { ...DEFAULT_TRUTH, ...options.truth };
  const time = new Int32Array(n);
  const y = new Float64Array(n);
  const price = new Float64Array(n);
  const advert = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const day = START_DAY + 7 * t;
    time[t] = day;
    price[t] = Math.round(truth.refPrice * Math.exp(0.15 * normal(random)) * 100) / 100;
    advert[t] = random() < 0.25 ? 1 : 0;
    const log =
      truth.base +
      truth.trend * t +
      seasonAt(day, truth.season) +
      truth.elasticity * Math.log(price[t]! / truth.refPrice) +
      truth.lift * advert[t]! +
      truth.holiday * holidayFlag(day, 'W') +
      truth.noise * normal(random);
    y[t] = Math.round(Math.exp(log));
    if (options.zeroShare && random() < options.zeroShare) y[t] = 0;
    if (options.gapShare && random() < options.gapShare) y[t] = Number.NaN;
  }
  return {
    series: { key: options.key ?? ['S1', 'B1'], time, y, x: [price, advert] },
    context: weeklyContext(),
    truth,
  };
}

/** Uniform noise like the many-models accelerator's OJ sample: no signal for any model to find. */
export function noiseSeries(seed: number, length = 156, frequency: Frequency = 'W'): Fixture {
  const random = rng(seed);
  const time = new Int32Array(length);
  const y = new Float64Array(length);
  const price = new Float64Array(length);
  const advert = new Float64Array(length);
  for (let t = 0; t < length; t++) {
    time[t] = START_DAY + (frequency === 'D' ? 1 : 7) * t;
    y[t] = Math.round(5000 + 15000 * random());
    price[t] = Math.round((1.5 + 1.5 * random()) * 100) / 100;
    advert[t] = random() < 0.5 ? 1 : 0;
  }
  return {
    series: { key: [`S${seed}`, 'noise'], time, y, x: [price, advert] },
    context: { frequency, seasonLength: frequency === 'D' ? 7 : 52, features: ['Price', 'Advert'] },
    truth: {
      ...DEFAULT_TRUTH,
      base: Math.log(12500),
      trend: 0,
      season: 0,
      elasticity: 0,
      lift: 0,
      holiday: 0,
    },
  };
}

/** The first `length` periods of a fixture's series (a training window). */
export function head(series: Series, length: number): Series {
  return {
    key: series.key,
    time: series.time.subarray(0, length),
    y: series.y.subarray(0, length),
    x: series.x.map((f) => f.subarray(0, length)),
  };
}

/** The periods after `start`, as a forecast request with the known covariates. */
export function horizonOf(series: Series, start: number) {
  return {
    horizon: series.y.length - start,
    times: series.time.subarray(start),
    future: series.x.map((f) => f.subarray(start)),
  };
}

/** Daily demand with a weekday pattern (peak on Saturday) and a yearly season, no covariates. */
export function dailySeries(seed: number, length = 400): Fixture {
  const random = rng(seed);
  const time = new Int32Array(length);
  const y = new Float64Array(length);
  for (let t = 0; t < length; t++) {
    const day = START_DAY + t;
    time[t] = day;
    const weekday = (((day + 4) % 7) + 7) % 7;
    y[t] = Math.round(
      Math.exp(
        Math.log(50) +
          0.3 * Math.cos((2 * Math.PI * (weekday - 6)) / 7) +
          seasonAt(day, 0.2) +
          0.05 * normal(random),
      ),
    );
  }
  return {
    series: { key: [`D${seed}`], time, y, x: [] },
    context: { frequency: 'D', seasonLength: 7, features: [] },
    truth: {
      ...DEFAULT_TRUTH,
      base: Math.log(50),
      trend: 0,
      season: 0.2,
      elasticity: 0,
      lift: 0,
      holiday: 0,
    },
  };
}
