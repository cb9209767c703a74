import { describe, expect, it } from 'vitest';
import type { PartitionInput } from '../../src/report/schemas.ts';
import {
  baselineKindOf,
  compare,
  histogram,
  liftClassOf,
  liftOf,
  median,
  pickCharted,
} from '../../src/report/stats.ts';

const metrics = (wape: number | null, mase = 1) => ({ wape, mase, smape: 0, rmse: 0, bias: 0 });

function record(overrides: Partial<PartitionInput> = {}): PartitionInput {
  return {
    name: 'mm-a-000000000000',
    key: ['a'],
    status: 'ok',
    chosen: 'ridge',
    baseline: 'seasonal_naive',
    metrics: { ridge: metrics(0.1, 0.5), seasonal_naive: metrics(0.2, 1.2), naive: metrics(0.3) },
    artifact: 'artifacts/a.json',
    observations: 100,
    durationMs: 1,
    ...overrides,
  };
}

describe('baselineKindOf', () => {
  it('uses the baseline the manifest records', () => {
    expect(baselineKindOf({ baseline: 'naive', metrics: { seasonal_naive: metrics(1) } })).toEqual({
      kind: 'naive',
      inferred: false,
    });
  });

  it('infers seasonal naive when fitted, else naive, and says it inferred', () => {
    expect(baselineKindOf({ metrics: { seasonal_naive: metrics(1), naive: metrics(1) } })).toEqual({
      kind: 'seasonal_naive',
      inferred: true,
    });
    expect(baselineKindOf({ metrics: { naive: metrics(1), ridge: metrics(1) } })).toEqual({
      kind: 'naive',
      inferred: true,
    });
    expect(baselineKindOf({ metrics: { ridge: metrics(1) } })).toBeNull();
  });
});

describe('compare', () => {
  it('puts the chosen model next to its baseline on the same holdout', () => {
    const c = compare(record())!;
    expect(c.model).toEqual({ wape: 0.1, mase: 0.5 });
    expect(c.base).toEqual({ wape: 0.2, mase: 1.2 });
    expect(c.lift).toBeCloseTo(0.5);
    expect(c.chosenIsBaseline).toBe(false);
  });

  it('reads a null metric (JSON for +Infinity) as the worst score', () => {
    const c = compare(record({ metrics: { ridge: metrics(null), seasonal_naive: metrics(0.2) } }))!;
    expect(c.model.wape).toBe(Infinity);
    expect(c.lift).toBe(-Infinity);
  });

  it('skips partitions that did not train or lack the baseline metrics', () => {
    expect(compare(record({ status: 'failed' }))).toBeNull();
    expect(compare(record({ metrics: { ridge: metrics(0.1) } }))).toBeNull();
  });
});

describe('liftOf and liftClassOf', () => {
  it('is the relative WAPE improvement, defined on an all-zero holdout too', () => {
    expect(liftOf(0.08, 0.1)).toBeCloseTo(0.2);
    expect(liftOf(0.12, 0.1)).toBeCloseTo(-0.2);
    expect(liftOf(0, 0)).toBe(0);
    expect(liftOf(0.1, 0)).toBe(-Infinity);
    expect(liftOf(Infinity, Infinity)).toBeNaN();
  });

  it('separates real wins from noise-sized ones', () => {
    const c = compare(record())!;
    expect(liftClassOf({ ...c, lift: 0.2 })).toBe('meaningful');
    expect(liftClassOf({ ...c, lift: 0.01 })).toBe('marginal');
    expect(liftClassOf({ ...c, lift: 0 })).toBe('no-better');
    expect(liftClassOf({ ...c, lift: Number.NaN })).toBe('no-better');
    expect(liftClassOf({ ...c, chosenIsBaseline: true, lift: 0 })).toBe('is-baseline');
  });
});

describe('median', () => {
  it('ignores NaN and ranks Infinity last', () => {
    expect(median([3, 1, Number.NaN, 2])).toBe(2);
    expect(median([1, 2, 3, Infinity])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('histogram', () => {
  it('bins several series on shared edges and loses no value', () => {
    const a = [0.05, 0.1, 0.12, 0.3, Infinity];
    const b = [0.2, 0.25, 0.4, Number.NaN];
    const h = histogram([a, b], { floor: 0, bins: 5 });
    expect(h.labels[0]).toMatch(/^0–/);
    expect(h.counts[0]!.reduce((x, y) => x + y, 0)).toBe(5);
    expect(h.counts[1]!.reduce((x, y) => x + y, 0)).toBe(3);
    // +Infinity lands in the overflow bin.
    expect(h.labels.at(-1)).toMatch(/^≥ /);
    expect(h.counts[0]!.at(-1)).toBeGreaterThanOrEqual(1);
  });

  it('keeps a fixed scale and sends the tails to outer bins', () => {
    const h = histogram([[-50, 1, 2, 7, 80]], { fixed: { lo: -20, hi: 60, step: 5 } });
    expect(h.labels).toHaveLength(16 + 2);
    expect(h.labels[0]).toBe('< -20');
    expect(h.labels.at(-1)).toBe('≥ 60');
    expect(h.counts[0]).toEqual([1, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('gives equal values one readable bin instead of a zero-width range', () => {
    const h = histogram([[1.0000000000000002, 1, 1]]);
    expect(h.counts[0]!.reduce((x, y) => x + y, 0)).toBe(3);
    expect(new Set(h.labels).size).toBe(h.labels.length);
  });
});

describe('pickCharted', () => {
  const cs = [0.3, 0.1, 0.5, 0.2, Infinity].map((wape, i) => ({
    ...compare(record())!,
    name: `p${i}`,
    model: { wape, mase: 1 },
  }));

  it('takes the requested ones, then the best and worst by model WAPE, without repeats', () => {
    expect(pickCharted(cs, { best: 2, worst: 2, requested: ['p2', 'nope'] })).toEqual([
      { name: 'p2', role: 'requested' },
      { name: 'p1', role: 'best' },
      { name: 'p3', role: 'best' },
      { name: 'p4', role: 'worst' },
    ]);
  });

  it('never calls an all-zero holdout (perfect score, undefined baseline) one of the best', () => {
    const zero = {
      ...compare(record())!,
      name: 'zeros',
      model: { wape: 0, mase: 0 },
      base: { wape: Infinity, mase: 0 },
    };
    expect(pickCharted([...cs, zero], { best: 1, worst: 0 })).toEqual([{ name: 'p1', role: 'best' }]);
  });

  it('does not chart a partition twice when best and worst overlap', () => {
    expect(pickCharted(cs.slice(0, 2), { best: 3, worst: 3 }).map((p) => p.name)).toEqual(['p1', 'p0']);
  });
});
