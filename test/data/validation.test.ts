import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import {
  listPartitions,
  prepare,
  readMeta,
  ValidationError,
  type ValidationReport,
} from '../../src/data/index.ts';
import { configFor, HEADER, listing, seriesRows, useTempDir, weeks, writeCsv } from './fixtures.ts';

const tempDir = useTempDir();

/** Runs prepare expecting a ValidationError; checks that nothing but its failure report appeared in the folder. */
async function rejects(dir: string, config: Config): Promise<ValidationError> {
  const before = listing(dir);
  const out = path.join(dir, 'lake', 'prepared');
  const error = await prepare(config, { outDir: out }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).name).toBe('ValidationError');
  const report = path.join('lake', 'prepared.failed-validation.json');
  expect(listing(dir)).toEqual([...before, 'lake', report].sort());
  expect((error as Error).message).toContain(`\nvalidation report: ${path.join(dir, report)}`);
  return error as ValidationError;
}

/** Twenty good partitions plus whatever rows a case adds, so one bad partition stays under maxFailedShare. */
function withGoodPartitions(rows: string[], count = 20): string[] {
  return [
    ...Array.from({ length: count }, (_, i) => seriesRows(String(100 + i), 'good', 20)).flat(),
    ...rows,
  ];
}

describe('dataset-level problems fail the whole prepare and write nothing', () => {
  it('a missing file', async () => {
    const dir = await tempDir();
    const error = await rejects(dir, configFor(path.join(dir, 'nope.csv')));
    expect(error.message).toContain(`dataset.path: file not found: ${path.join(dir, 'nope.csv')}`);
  });

  it('a pattern that matches no file', async () => {
    const dir = await tempDir();
    const error = await rejects(dir, configFor(path.join(dir, 'raw', '*.parquet')));
    expect(error.message).toContain('no file matches the pattern');
  });

  it('missing columns, each named with its config key and what the file has', async () => {
    const dir = await tempDir();
    const csv = await writeCsv(path.join(dir, 'data.csv'), 'WeekStarting,Store,Brand,quantity,Price', [
      '2024-01-01,1,a,1,2.0',
    ]);
    const error = await rejects(dir, configFor(csv));
    expect(error.problems).toEqual([
      "column 'Quantity' (dataset.target) is missing; did you mean 'quantity'? (names are case-sensitive); the file has columns 'WeekStarting', 'Store', 'Brand', 'quantity', 'Price'",
      "column 'Advert' (dataset.features) is missing; the file has columns 'WeekStarting', 'Store', 'Brand', 'quantity', 'Price'",
    ]);
  });

  it('a non-numeric target: which column, how many rows, which rows and values', async () => {
    const dir = await tempDir();
    const rows = seriesRows('1', 'a', 20);
    rows[2] = rows[2]!.replace(/,\d+,(\d),/, ',n/a,$1,');
    rows[9] = rows[9]!.replace(/,\d+,(\d),/, ',12 units,$1,');
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
    const error = await rejects(dir, configFor(csv));
    expect(error.problems).toEqual([
      "column 'Quantity' has 2 non-numeric value(s), e.g. row 3 (line 4): 'n/a'; row 10 (line 11): '12 units'",
    ]);
  });

  it('a non-numeric feature', async () => {
    const dir = await tempDir();
    const rows = seriesRows('1', 'a', 20);
    rows[0] = rows[0]!.replace(/,[\d.]+$/, ',cheap');
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
    const error = await rejects(dir, configFor(csv));
    expect(error.problems).toEqual([
      "column 'Price' has 1 non-numeric value(s), e.g. row 1 (line 2): 'cheap'",
    ]);
  });

  it('unparseable and empty dates', async () => {
    const dir = await tempDir();
    const rows = seriesRows('1', 'a', 20);
    rows[4] = rows[4]!.replace(/^[^,]+/, '14/02/2024');
    rows[5] = rows[5]!.replace(/^[^,]+/, '');
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
    const error = await rejects(dir, configFor(csv));
    expect(error.problems).toEqual([
      "column 'WeekStarting' has 2 empty or unparseable date(s) (expected YYYY-MM-DD), e.g. row 5 (line 6): '14/02/2024'; row 6 (line 7): empty",
    ]);
  });

  it('an empty partition key', async () => {
    const dir = await tempDir();
    const rows = seriesRows('1', 'a', 20);
    rows[7] = rows[7]!.replace(',a,', ',,');
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, rows);
    const error = await rejects(dir, configFor(csv));
    expect(error.problems).toEqual([
      "partition column 'Brand' is empty in 1 row(s), e.g. row 8 (line 9): empty",
    ]);
  });

  it('a column of the wrong type in Parquet', async () => {
    const dir = await tempDir();
    const { openDuck } = await import('../../src/data/duckdb.ts');
    const duck = await openDuck({ threads: 1 });
    const parquet = path.join(dir, 'data.parquet');
    await duck.connection.run(
      `COPY (SELECT DATE '2024-01-01' + CAST(7 * i AS INTEGER) AS WeekStarting, 1 AS Store, 'a' AS Brand, DATE '2024-01-01' AS Quantity,
             0 AS Advert, 2.0 AS Price FROM range(20) t(i)) TO '${parquet}' (FORMAT parquet)`,
    );
    duck.close();
    const error = await rejects(dir, configFor(parquet));
    expect(error.problems).toEqual(["column 'Quantity' has type DATE; the target must hold numbers"]);
  });

  it('a file that is not what its name says', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'data.parquet');
    await writeFile(file, 'WeekStarting,Store\n2024-01-01,1\n');
    const error = await rejects(dir, configFor(file));
    expect(error.problems[0]).toMatch(
      new RegExp(`^${file.replaceAll('.', '\\.')}: not a readable parquet file`),
    );
  });

  it('an empty dataset', async () => {
    const dir = await tempDir();
    const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, []);
    const error = await rejects(dir, configFor(csv));
    expect(error.problems).toContain('the dataset has no rows');
  });

  it('writes the failure report when the report path is outside the prepared folder', async () => {
    const dir = await tempDir();
    const csv = await writeCsv(path.join(dir, 'data.csv'), 'WeekStarting,Store,Brand,Quantity,Price', [
      '2024-01-01,1,a,1,2.0',
    ]);
    const reportPath = path.join(dir, 'validation.json');
    await expect(prepare(configFor(csv), { outDir: path.join(dir, 'prepared'), reportPath })).rejects.toThrow(
      ValidationError,
    );
    const { readFile } = await import('node:fs/promises');
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as ValidationReport;
    expect(report).toMatchObject({
      passed: false,
      datasetProblems: [{ code: 'missing_column', column: 'Advert' }],
    });
    expect(listing(dir)).toEqual(['data.csv', 'validation.json']);
  });
});

describe('partition-level problems exclude the partition and the others go on', () => {
  const cases: {
    name: string;
    rows: string[];
    status: string;
    message: string;
    config?: Record<string, unknown>;
  }[] = [
    {
      name: 'duplicate (partition, time) rows',
      rows: [...seriesRows('9', 'bad', 20), seriesRows('9', 'bad', 20)[3]!],
      status: 'duplicate_time',
      message: '1 duplicate (partition, time) row(s), e.g. WeekStarting 2024-01-22 appears 2 times',
    },
    {
      name: 'a negative target',
      rows: seriesRows('9', 'bad', 20, (i) => (i === 6 ? -3 : 10)),
      status: 'negative_target',
      message:
        '1 negative target value(s) (smallest -3, first on 2024-02-12); set validation.allowNegativeTarget if they are real',
    },
    {
      name: 'a non-finite target',
      rows: seriesRows('9', 'bad', 20).map((r, i) => (i === 2 ? r.replace(/,10\d,/, ',inf,') : r)),
      status: 'non_finite_target',
      message: '1 non-finite target value(s) (NaN or infinity), first on 2024-01-15 (inf)',
    },
    {
      name: 'a series too short for the holdout',
      rows: seriesRows('9', 'bad', 10),
      status: 'too_short',
      message:
        '10 period(s) from 2024-01-01 to 2024-03-04; needs at least 12 (forecast.holdout 4 + forecast.minTrainPoints 8)',
    },
    {
      name: 'too many gaps',
      rows: seriesRows('9', 'bad', 20).filter((_, i) => i % 3 !== 1 || i === 19),
      status: 'too_many_gaps',
      message:
        '6 of 20 period(s) have no target value (30.0 %: 6 missing row(s), 0 empty target(s)), above validation.maxGapShare 20.0 %',
    },
    {
      name: 'weekly dates on different weekdays',
      rows: seriesRows('9', 'bad', 20).map((r, i) => (i === 4 ? r.replace(weeks(5)[4]!, '2024-01-30') : r)),
      status: 'irregular_time',
      message:
        'weekly dates fall on 2 different weekdays (first is a Monday); weekly data needs one date per week on the same weekday',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: reported with the key and the problem, marked in the catalog`, async () => {
      const dir = await tempDir();
      const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, withGoodPartitions(c.rows));
      const out = path.join(dir, 'prepared');
      const result = await prepare(configFor(csv, { engine: { maxFailedShare: 0.1 } }), { outDir: out });

      expect(result.report.partitions).toEqual({ total: 21, ok: 20, excluded: 1 });
      expect(result.report.excluded).toEqual([
        expect.objectContaining({
          key: { Store: '9', Brand: 'bad' },
          status: c.status,
          problems: [{ code: c.status, message: c.message }],
        }),
      ]);
      const bad = (await listPartitions(out)).find((e) => e.key[0] === '9');
      expect(bad).toMatchObject({ status: c.status, reason: c.message, rows: 0 });
      expect((await readMeta(out)).partitions).toEqual({ total: 21, ok: 20, excluded: 1 });
    });

    it(`${c.name}: with no failures allowed, fails naming the partition and writes nothing`, async () => {
      const dir = await tempDir();
      const csv = await writeCsv(path.join(dir, 'data.csv'), HEADER, withGoodPartitions(c.rows));
      const error = await rejects(dir, configFor(csv, { engine: { maxFailedShare: 0 } }));
      expect(error.message).toContain(
        '1 of 21 partitions (4.8 %) failed validation, above engine.maxFailedShare 0.0 %',
      );
      expect(error.problems).toEqual([`partition Store="9", Brand="bad": ${c.message}`]);
    });
  }

  it('fails the whole prepare when the excluded share passes engine.maxFailedShare, keeping the previous data', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'lake', 'prepared');
    const good = await writeCsv(path.join(dir, 'good.csv'), HEADER, seriesRows('1', 'a', 20));
    await prepare(configFor(good), { outDir: out });
    const previous = await readMeta(out);
    const before = listing(dir);

    const rows = [
      ...seriesRows('1', 'a', 20),
      ...seriesRows('2', 'b', 5),
      ...seriesRows('3', 'c', 20, () => -1),
    ];
    const csv = await writeCsv(path.join(dir, 'bad.csv'), HEADER, rows);
    const error = await prepare(configFor(csv), { outDir: out }).then(
      () => undefined,
      (e: unknown) => e as ValidationError,
    );
    if (!error) throw new Error('expected a ValidationError');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(
      '2 of 3 partitions (66.7 %) failed validation, above engine.maxFailedShare 5.0 %',
    );
    expect(error.problems).toEqual([
      'partition Store="2", Brand="b": 5 period(s) from 2024-01-01 to 2024-01-29; needs at least 12 (forecast.holdout 4 + forecast.minTrainPoints 8)',
      'partition Store="3", Brand="c": 20 negative target value(s) (smallest -1, first on 2024-01-01); set validation.allowNegativeTarget if they are real',
    ]);
    expect((error.report as ValidationReport).excludedShare).toBeCloseTo(2 / 3);
    // The previous lake is kept (its own report inside it); this run's report is beside it, named in the message.
    const failed = path.join('lake', 'prepared.failed-validation.json');
    expect(listing(dir)).toEqual([...before, 'bad.csv', failed].sort());
    expect(error.message).toContain(`validation report: ${path.join(dir, failed)}`);
    expect(await readMeta(out)).toEqual(previous);
  });
});
