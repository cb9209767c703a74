import { type DuckDBConnection, DuckDBDateValue } from '@duckdb/node-api';
import { addPeriods, dayOfWeek, holidayFlag, yearPhase } from '../calendar/index.ts';
import type { Frequency } from '../core/vocabulary.ts';
import { ident } from '../data/sql.ts';
import type { PartitionParams } from './params.ts';

/** Shelf (regular) prices change every this many periods: about a quarter. */
const SHELF_BLOCK: Record<Frequency, number> = { D: 91, W: 13, M: 3 };

/** Period index -> date, holiday flag, year phase and weekday, from the shared calendar (table `gd`). */
export async function loadDates(
  connection: DuckDBConnection,
  startDay: number,
  count: number,
  frequency: Frequency,
): Promise<number[]> {
  await connection.run(
    'CREATE OR REPLACE TABLE gd (i BIGINT, day DATE, block BIGINT, hol DOUBLE, ys DOUBLE, yc DOUBLE, wd DOUBLE)',
  );
  const appender = await connection.createAppender('gd');
  const days: number[] = [];
  const block = SHELF_BLOCK[frequency];
  for (let i = 0; i < count; i++) {
    const day = addPeriods(startDay, i, frequency);
    days.push(day);
    const phase = 2 * Math.PI * yearPhase(day);
    appender.appendBigInt(BigInt(i));
    appender.appendDate(new DuckDBDateValue(day));
    appender.appendBigInt(BigInt(Math.floor(i / block)));
    appender.appendDouble(holidayFlag(day, frequency));
    appender.appendDouble(Math.sin(phase));
    appender.appendDouble(Math.cos(phase));
    appender.appendDouble(Math.cos((2 * Math.PI * (dayOfWeek(day) - 5)) / 7));
    appender.endRow();
  }
  appender.closeSync();
  return days;
}

/** One row per partition with its planted parameters (table `gp`). */
export async function loadParams(connection: DuckDBConnection, params: PartitionParams[]): Promise<void> {
  // Season as sa*sin(year) + sb*cos(year) (= amplitude * sin(year + phase)): two products per row, no sine.
  await connection.run(`CREATE OR REPLACE TABLE gp (p BIGINT, store INTEGER, brand VARCHAR, start_idx BIGINT,
    base DOUBLE, trend DOUBLE, sa DOUBLE, sb DOUBLE, wamp DOUBLE, elasticity DOUBLE, lift DOUBLE,
    holiday DOUBLE, ref_price DOUBLE, log_ref DOUBLE, promo_rate DOUBLE, noise DOUBLE, occur DOUBLE,
    break_idx BIGINT, break_size DOUBLE)`);
  const appender = await connection.createAppender('gp');
  for (const p of params) {
    const phase = 2 * Math.PI * p.seasonPhase;
    appender.appendBigInt(BigInt(p.index));
    appender.appendInteger(p.store);
    appender.appendVarchar(p.brand);
    appender.appendBigInt(BigInt(p.startIndex));
    for (const value of [
      p.baseLevel,
      p.trendPerPeriod,
      p.seasonAmplitude * Math.cos(phase),
      p.seasonAmplitude * Math.sin(phase),
      p.weekdayAmplitude,
      p.elasticity,
      p.promotionLift,
      p.holidayEffect,
      p.refPrice,
      Math.log(p.refPrice),
      p.promoRate,
      p.noiseSd,
      p.occurrence,
    ]) {
      appender.appendDouble(value);
    }
    appender.appendBigInt(BigInt(p.breakIndex ?? 2 ** 40));
    appender.appendDouble(p.breakSize ?? 0);
    appender.endRow();
  }
  appender.closeSync();
}

export interface RowsQuery {
  seed: number;
  /** Period indexes [from, to) to generate. */
  from: number;
  to: number;
  /** Drop this share of rows (never a series' first or last) to leave gaps. */
  missingShare: number;
  /**
   * Share of rows with a promotion the data does not show (a competitor's stock-out, a local event): demand is
   * lifted by HIDDEN_PROMOTION_LIFT on the log scale with no Advert flag and no price cut. 0 by default.
   */
  hiddenPromotionShare?: number;
  lastIndex: number;
  timeColumn: string;
  /** Future covariates: no Quantity / Revenue, no dropped rows. */
  future: boolean;
}

/** exp(0.5) = +65 % demand in a week with a promotion the model cannot see. */
export const HIDDEN_PROMOTION_LIFT = 0.5;

/** A 63-bit mixing constant per (seed, stream), so different seeds give unrelated numbers. */
export function seedMix(seed: number, stream: number): bigint {
  let x = (BigInt(seed) << 8n) ^ BigInt(stream) ^ 0x5851f42d4c957f2dn;
  x = ((x ^ (x >> 33n)) * 0xff51afd7ed558ccdn) & 0xffffffffffffffffn;
  x = ((x ^ (x >> 33n)) * 0xc4ceb9fe1a85ec53n) & 0xffffffffffffffffn;
  return (x ^ (x >> 33n)) & 0x7fffffffffffffffn;
}

/**
 * The rows as one SQL query, so 40 million rows come out of DuckDB in parallel with no JS loop: each partition
 * expands to its periods (a lateral range), joined to the small dates table. Random numbers come from a
 * seeded hash of one BIGINT per row and stream (cheap, unlike multi-argument hashes); each hash yields two
 * 32-bit uniforms. Everything that depends only on the partition or only on the date is precomputed in the
 * two small tables, which keeps the per-row work to a few dozen arithmetic operations.
 */
export function rowsSql(q: RowsQuery): string {
  const mix = seedMix(q.seed, 0);
  const shelfMix = seedMix(q.seed, 1);
  const low = (h: string) => `((${h} & 4294967295)::DOUBLE + 0.5) * 2.3283064365386963e-10`;
  const high = (h: string) => `((${h} >> 32)::DOUBLE + 0.5) * 2.3283064365386963e-10`;
  const dropRows = !q.future && q.missingShare > 0;
  const hidden = q.hiddenPromotionShare ?? 0;
  // The low half of the row's fourth hash (its high half decides a dropped row), so the two are independent.
  const hiddenLift =
    hidden > 0
      ? ` + CASE WHEN ${low('hash(xor((p * 1048576 + i) * 4 + 3, ' + mix + '))')} < ${hidden} THEN ${HIDDEN_PROMOTION_LIFT} ELSE 0 END`
      : '';
  const time = ident(q.timeColumn);
  const output = q.future
    ? `day AS ${time}, store AS "Store", brand AS "Brand", advert AS "Advert", price AS "Price"`
    : `day AS ${time}, store AS "Store", brand AS "Brand", quantity AS "Quantity", advert AS "Advert",
       price AS "Price", round(quantity * price, 2) AS "Revenue"`;
  return `
    WITH keyed AS (
      SELECT g.*, r.i, d.day, d.hol, d.ys, d.yc, d.wd,
             hash(xor(g.p * 1048576 + d.block, ${shelfMix})) AS hs,
             hash(xor((g.p * 1048576 + r.i) * 4, ${mix})) AS h0,
             hash(xor((g.p * 1048576 + r.i) * 4 + 1, ${mix})) AS h1,
             hash(xor((g.p * 1048576 + r.i) * 4 + 2, ${mix})) AS h2
        FROM gp g, range(greatest(g.start_idx, ${q.from}), ${q.to}) r(i)
        JOIN gd d ON d.i = r.i
    ), priced AS (
      SELECT *, CAST(${low('h0')} < promo_rate AS INTEGER) AS advert,
             round(ref_price * (0.925 + 0.15 * ${high('hs')}) * (1 - CASE
               WHEN ${low('h0')} < promo_rate THEN 0.10 + 0.25 * ${high('h0')}
               WHEN ${low('h2')} < 0.05 THEN 0.05 + 0.10 * ${high('h0')} ELSE 0 END), 2) AS price
        FROM keyed${dropRows ? ` WHERE NOT (${high('hash(xor((p * 1048576 + i) * 4 + 3, ' + mix + '))')} < ${q.missingShare} AND i > start_idx AND i < ${q.lastIndex})` : ''}
    ), sold AS (
      SELECT *, exp(base + trend * i + sa * ys + sb * yc + wamp * wd + elasticity * (ln(price) - log_ref)
                    + lift * advert + holiday * hol + CASE WHEN i >= break_idx THEN break_size ELSE 0 END${hiddenLift}
                    + noise * sqrt(-2 * ln(${low('h1')})) * cos(6.283185307179586 * ${high('h1')})) AS mean
        FROM priced
    ), counted AS (
      SELECT *, CAST(CASE WHEN occur >= 1 THEN least(mean, 1e9)
                          WHEN ${high('h2')} < occur THEN greatest(1, least(mean, 1e9)) ELSE 0 END AS INTEGER) AS quantity
        FROM sold
    )
    SELECT ${output} FROM counted`;
}
