import { describe, expect, it } from 'vitest';
import { initialStates, runEts } from '../../src/models/ets-core.ts';
import { retailSeries } from './fixtures.ts';

describe('the exponential smoothing recursions', () => {
  const z = Float64Array.from(retailSeries({ seed: 7 }).series.y, Math.log);
  const structure = { trend: true, season: 52 };
  const init = initialStates(z, structure);
  const params = { alpha: 0.3, beta: 0.05, gamma: 0.1, phi: 0.9 };
  const full = runEts(z, structure, params, init, new Float64Array(52));

  it('given a limit above the SSE, run to the end exactly as without one', () => {
    const limited = runEts(z, structure, params, init, new Float64Array(52), full.sse * 1.0001);
    expect(limited).toEqual(full);
  });

  it('given a limit below the SSE, stop early with a partial SSE already past the limit', () => {
    const limit = full.sse / 4;
    const limited = runEts(z, structure, params, init, new Float64Array(52), limit);
    expect(limited.sse).toBeGreaterThan(limit);
    expect(limited.sse).toBeLessThan(full.sse);
    expect(limited.count).toBeLessThan(full.count);
  });

  it('never stop at a limit equal to the SSE (a tie is not passed)', () => {
    expect(runEts(z, structure, params, init, new Float64Array(52), full.sse)).toEqual(full);
  });
});
