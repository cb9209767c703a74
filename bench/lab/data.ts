// The real datasets as the lab reads them: the prepared history of `node bench/accuracy.ts <dataset> --work DIR`
// (everything before the test cut, gaps filled with null targets and carried-forward covariates) and the plan for
// the held-out weeks. The held-out actuals are a separate call (`loadActuals`) that only the test scoring makes,
// so the design protocol (bench/accuracy-design.ts) cannot read them by accident.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { queryOnce } from '../../src/data/duckdb.ts';

export const HELD_OUT = 12;
export const WEEK = 7; // days: times are days since the epoch

export interface Meta {
  file: string;
  key: string;
  target: string;
  features: string[];
}
export const META: Record<string, Meta> = {
  cheese: { file: 'cheese.csv', key: 'Retailer', target: 'Volume', features: ['Price', 'Display'] },
  tuna: { file: 'tuna.csv', key: 'Brand', target: 'Quantity', features: ['Price', 'Promo'] },
};

/** One week of a series: time in days, target (NaN in a gap) and the covariates. */
export interface Row {
  t: number;
  y: number;
  x: number[];
}

export interface LabData {
  meta: Meta;
  /** The prepared history per key, time-ordered (ends at the last observation before the test cut). */
  history: Map<string, Row[]>;
  /** The plan (covariates) for the held-out weeks per key, y NaN. */
  plan: Map<string, Row[]>;
  /** The test cut per key: the last week before the held-out weeks (the first planned week minus one week). */
  testCut: Map<string, number>;
}

function group(list: Record<string, unknown>[], features: number): Map<string, Row[]> {
  const by = new Map<string, Row[]>();
  for (const r of list) {
    const rows = by.get(String(r.k)) ?? [];
    rows.push({
      t: Number(r.t),
      y: r.y === null || r.y === undefined ? Number.NaN : Number(r.y),
      x: Array.from({ length: features }, (_, i) => Number(r[`x${i}`])),
    });
    by.set(String(r.k), rows);
  }
  return by;
}

export async function loadLab(dataset: string, workDir: string): Promise<LabData> {
  const meta = META[dataset];
  if (!meta) throw new Error(`unknown dataset ${dataset}: cheese or tuna`);
  const dir = path.resolve(workDir, dataset);
  const lake = path.join(dir, 'lake/datasets/config');
  const prepared = readdirSync(lake)
    .filter((d) => d.startsWith('.prepared.v-'))
    .map((d) => path.join(lake, d))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!prepared)
    throw new Error(`${lake}: no prepared lake; run node bench/accuracy.ts ${dataset} --work ${workDir}`);
  const xs = meta.features.map((f, i) => `"${f}" AS x${i}`).join(', ');
  const history = await queryOnce(
    `SELECT "${meta.key}" AS k, epoch(WeekStarting)::BIGINT / 86400 AS t, "${meta.target}" AS y, ${xs}
       FROM read_parquet('${prepared}/bucket=*/part.parquet') ORDER BY k, t`,
  );
  const future = await queryOnce(
    `SELECT "${meta.key}" AS k, epoch(CAST(WeekStarting AS DATE))::BIGINT / 86400 AS t, NULL AS y, ${xs}
       FROM read_csv('${dir}/mm-future.csv') ORDER BY k, t`,
  );
  const plan = group(future, meta.features.length);
  return {
    meta,
    history: group(history, meta.features.length),
    plan,
    testCut: new Map([...plan].map(([k, rows]) => [k, rows[0]!.t - WEEK])),
  };
}

/** The held-out weeks' actuals (observed ones only), per key. Only the test scoring calls this. */
export async function loadActuals(data: LabData): Promise<Map<string, Row[]>> {
  const { meta } = data;
  const rows = await queryOnce(
    `SELECT "${meta.key}" AS k, epoch(CAST(WeekStarting AS DATE))::BIGINT / 86400 AS t, "${meta.target}" AS y
       FROM read_csv('${path.resolve(import.meta.dirname, '../../../shared/data', meta.file)}') ORDER BY k, t`,
  );
  const all = group(rows, 0);
  return new Map(
    [...all].map(([k, list]) => [k, list.filter((r) => r.t > data.testCut.get(k)! && Number.isFinite(r.y))]),
  );
}
