import type { Frequency } from '../core/vocabulary.ts';
import { rngFor } from './random.ts';

export const SERIES_KINDS = ['regular', 'intermittent', 'short', 'break'] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];

/** Shares of the non-regular kinds; the rest are regular. */
export interface KindMix {
  intermittent: number;
  short: number;
  break: number;
}

export const DEFAULT_MIX: KindMix = { intermittent: 0.08, short: 0.07, break: 0.05 };

/** Brand names in the accelerator's style; partition p is brand p % brands of store 1000 + p / brands. */
export const BRANDS = [
  'dominicks',
  'minute.maid',
  'tropicana',
  'florida.gold',
  'simply',
  'tree.top',
  'old.south',
  'citrus.world',
  'pure.premium',
  'sunny.d',
] as const;

/**
 * The planted signal of one partition. Quantity follows
 *   log q = baseLevel + trendPerPeriod * i + seasonAmplitude * sin(2 pi (yearPhase + seasonPhase))
 *         + weekdayAmplitude * cos(2 pi (weekday - 5) / 7) + elasticity * log(Price / refPrice)
 *         + promotionLift * Advert + holidayEffect * holidayFlag + [i >= breakIndex] * breakSize + noise
 * where i is the period index from the dataset start, noise ~ N(0, noiseSd), and q is rounded to units
 * (intermittent series sell only with probability `occurrence`, then at least one unit).
 */
export interface PartitionParams {
  index: number;
  store: number;
  brand: string;
  kind: SeriesKind;
  /** First period index (short series start late). */
  startIndex: number;
  baseLevel: number;
  trendPerPeriod: number;
  seasonAmplitude: number;
  seasonPhase: number;
  weekdayAmplitude: number;
  elasticity: number;
  promotionLift: number;
  holidayEffect: number;
  refPrice: number;
  promoRate: number;
  noiseSd: number;
  occurrence: number;
  /** Period index from which the level shifts by breakSize (break series only). */
  breakIndex: number | null;
  breakSize: number | null;
}

const PERIODS_PER_YEAR: Record<Frequency, number> = { D: 365.25, W: 52.18, M: 12 };

function kindOf(u: number, mix: KindMix): SeriesKind {
  if (u < mix.intermittent) return 'intermittent';
  if (u < mix.intermittent + mix.short) return 'short';
  if (u < mix.intermittent + mix.short + mix.break) return 'break';
  return 'regular';
}

export function partitionParams(
  seed: number,
  index: number,
  periods: number,
  frequency: Frequency,
  brands: number,
  mix: KindMix = DEFAULT_MIX,
): PartitionParams {
  const rng = rngFor(seed, index);
  const kind = kindOf(rng.next(), mix);
  const perYear = PERIODS_PER_YEAR[frequency];
  const shortest = Math.max(4, Math.round(0.05 * periods));
  const length =
    kind === 'short' ? rng.int(shortest, Math.max(shortest, Math.round(0.4 * periods))) : periods;
  const breakIndex = kind === 'break' ? rng.int(Math.round(0.5 * periods), Math.round(0.85 * periods)) : null;
  return {
    index,
    store: 1000 + Math.floor(index / brands),
    brand: BRANDS[index % brands]!,
    kind,
    startIndex: periods - length,
    baseLevel:
      kind === 'intermittent'
        ? rng.uniform(Math.log(1), Math.log(4))
        : rng.uniform(Math.log(50), Math.log(5000)),
    trendPerPeriod: rng.uniform(-0.1, 0.2) / perYear,
    seasonAmplitude: rng.uniform(0.05, 0.4),
    seasonPhase: rng.next(),
    weekdayAmplitude: frequency === 'D' ? rng.uniform(0.05, 0.3) : 0,
    elasticity: rng.uniform(-2.5, -0.5),
    promotionLift: rng.uniform(0.1, 0.6),
    holidayEffect: rng.uniform(0.05, 0.4),
    refPrice: Math.round(rng.uniform(1.5, 4) * 100) / 100,
    promoRate: rng.uniform(0.1, 0.3),
    noiseSd: rng.uniform(0.05, 0.2),
    occurrence: kind === 'intermittent' ? rng.uniform(0.2, 0.5) : 1,
    breakIndex,
    breakSize: kind === 'break' ? (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.4, 0.9) : null,
  };
}
