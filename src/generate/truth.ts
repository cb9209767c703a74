import { modelName } from '../core/model-name.ts';
import type { Frequency } from '../core/vocabulary.ts';
import { isoDate } from '../data/batch.ts';
import type { PartitionParams, SeriesKind } from './params.ts';

/** Ground truth for one partition: what was planted, so tests and benchmarks can check what models recover. */
export interface PartitionTruth {
  name: string;
  key: { Store: string; Brand: string };
  kind: SeriesKind;
  /** First date of the series and its number of periods before any row was dropped. */
  start: string;
  periods: number;
  baseLevel: number;
  trendPerPeriod: number;
  seasonAmplitude: number;
  seasonPhase: number;
  weekdayAmplitude: number;
  /** d log(Quantity) / d log(Price). */
  elasticity: number;
  /** Added to log(Quantity) when Advert = 1. */
  promotionLift: number;
  /** Added to log(Quantity) in periods whose calendar holiday flag is 1. */
  holidayEffect: number;
  refPrice: number;
  promoRate: number;
  noiseSd: number;
  /** Probability that an intermittent series sells at all in a period (1 otherwise). */
  occurrence: number;
  breakAt: string | null;
  breakSize: number | null;
}

export interface GroundTruth {
  schemaVersion: 1;
  generator: string;
  seed: number;
  frequency: Frequency;
  timeColumn: string;
  start: string;
  end: string;
  periods: number;
  missingShare: number;
  signal: string;
  partitions: PartitionTruth[];
}

export const SIGNAL =
  'log(Quantity) = baseLevel + trendPerPeriod*i + seasonAmplitude*sin(2*pi*(yearPhase + seasonPhase)) + weekdayAmplitude*cos(2*pi*(weekday-5)/7) + elasticity*log(Price/refPrice) + promotionLift*Advert + holidayEffect*holidayFlag + [i >= break]*breakSize + N(0, noiseSd); i = period index from start, yearPhase and holidayFlag from src/calendar; Quantity rounded; intermittent series sell with probability occurrence';

export function partitionTruth(p: PartitionParams, days: number[], periods: number): PartitionTruth {
  return {
    name: modelName([String(p.store), p.brand]),
    key: { Store: String(p.store), Brand: p.brand },
    kind: p.kind,
    start: isoDate(days[p.startIndex]!),
    periods: periods - p.startIndex,
    baseLevel: p.baseLevel,
    trendPerPeriod: p.trendPerPeriod,
    seasonAmplitude: p.seasonAmplitude,
    seasonPhase: p.seasonPhase,
    weekdayAmplitude: p.weekdayAmplitude,
    elasticity: p.elasticity,
    promotionLift: p.promotionLift,
    holidayEffect: p.holidayEffect,
    refPrice: p.refPrice,
    promoRate: p.promoRate,
    noiseSd: p.noiseSd,
    occurrence: p.occurrence,
    breakAt: p.breakIndex === null ? null : isoDate(days[p.breakIndex]!),
    breakSize: p.breakSize,
  };
}
