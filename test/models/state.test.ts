import { describe, expect, it } from 'vitest';
import { copyParams } from '../../src/models/state.ts';

describe('copying model params for a state', () => {
  const params = {
    transform: 'log',
    coef: [0.5, -1.25, 3e-12],
    features: [{ name: 'Price', transform: 'log', last: 2.49 }],
    band: [1, 9] as [number, number],
    nested: { season: [0, -0, 1] },
    buffer: Float64Array.of(1, 2),
    none: undefined,
  };

  it('gives what structuredClone gives', () => {
    expect(copyParams(params)).toStrictEqual(structuredClone(params));
  });

  it('shares nothing with the model it came from', () => {
    const copy = copyParams(params);
    copy.coef[0] = 99;
    copy.features[0]!.last = 0;
    copy.nested.season.push(5);
    copy.buffer[0] = 7;
    expect(params.coef[0]).toBe(0.5);
    expect(params.features[0]!.last).toBe(2.49);
    expect(params.nested.season).toHaveLength(3);
    expect(params.buffer[0]).toBe(1);
  });
});
