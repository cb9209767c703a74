import { describe, expect, it } from 'vitest';
import { parseRowLine, scoredRowSchema, trainRowSchema } from '../../src/contracts/engine-rows.ts';

describe('the rows a distributed step appends, through their contracts', () => {
  it('reads the markers the entry script writes for files that held no bucket', () => {
    expect(parseRowLine('rows.txt', 1, '{"ignored":"meta.json"}', trainRowSchema)).toEqual({
      ignored: 'meta.json',
    });
    expect(parseRowLine('rows.txt', 2, '{"empty":[3]}', scoredRowSchema)).toEqual({ empty: [3] });
  });

  it('names the file, line and field of a train row that is not a partition record', () => {
    expect(() =>
      parseRowLine('rows.txt', 7, '{"name":"mm-a-000000000000","status":"ok"}', trainRowSchema),
    ).toThrow(/rows file rows\.txt:7 is malformed/);
    expect(() => parseRowLine('rows.txt', 8, 'not json', trainRowSchema)).toThrow(
      'rows file rows.txt:8 is not a JSON row: not json',
    );
  });

  it('refuses a score row with a status the predictions table does not know', () => {
    expect(() =>
      parseRowLine('rows.txt', 3, '{"name":"mm-a-000000000000","status":"great"}', scoredRowSchema),
    ).toThrow(/rows\.txt:3 is malformed/);
    expect(
      parseRowLine(
        'rows.txt',
        4,
        '{"name":"mm-a-000000000000","status":"no-model","periods":0}',
        scoredRowSchema,
      ),
    ).toMatchObject({ name: 'mm-a-000000000000', status: 'no-model', usedFallback: false, periods: 0 });
  });
});
