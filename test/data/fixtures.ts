import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';

/** A fresh temporary folder per test, removed afterwards. */
export function useTempDir(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mm-data-test-'));
    made.push(dir);
    return dir;
  };
}

export async function writeCsv(file: string, header: string, rows: string[]): Promise<string> {
  await writeFile(file, `${[header, ...rows].join('\n')}\n`);
  return file;
}

/** Weekly ISO dates from a Monday. */
export function weeks(count: number, start = '2024-01-01'): string[] {
  const first = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) =>
    new Date(first + i * 7 * 86_400_000).toISOString().slice(0, 10),
  );
}

/** CSV rows `date,store,brand,quantity,advert,price` for one partition over `count` weeks. */
export function seriesRows(
  store: string,
  brand: string,
  count: number,
  quantity = (i: number) => 100 + i,
): string[] {
  return weeks(count).map(
    (d, i) => `${d},${store},${brand},${quantity(i)},${i % 4 === 0 ? 1 : 0},${(2 + (i % 3) / 10).toFixed(2)}`,
  );
}

export const HEADER = 'WeekStarting,Store,Brand,Quantity,Advert,Price';

export function configFor(datasetPath: string, overrides: Record<string, unknown> = {}): Config {
  const base: Record<string, unknown> = {
    dataset: {
      path: datasetPath,
      partitionBy: ['Store', 'Brand'],
      time: 'WeekStarting',
      target: 'Quantity',
      frequency: 'W',
      features: ['Price', 'Advert'],
    },
    forecast: { horizon: 4, holdout: 4, minTrainPoints: 8 },
  };
  for (const [key, value] of Object.entries(overrides)) {
    base[key] = {
      ...(base[key] as Record<string, unknown> | undefined),
      ...(value as Record<string, unknown>),
    };
  }
  return parseConfig(base, 'test');
}

/** Everything below a folder, for "nothing was written" checks. */
export function listing(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];
}
