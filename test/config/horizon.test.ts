import { describe, expect, it } from 'vitest';
import { historyWarning, horizonError, horizonWarnings, maxHorizon } from '../../src/config/horizon.ts';
import { configSchema } from '../../src/config/schema.ts';

const dataset = { path: 'x.csv', partitionBy: ['S'], time: 'T', target: 'Y', frequency: 'W' as const };

describe('forecast horizon checks', () => {
  it('given a weekly config, when the horizon passes two years, then the schema refuses it at forecast.horizon', () => {
    expect(maxHorizon('W')).toBe(104);
    expect(configSchema.safeParse({ dataset, forecast: { horizon: 104, holdout: 8 } }).success).toBe(true);
    const refused = configSchema.safeParse({ dataset, forecast: { horizon: 500, holdout: 8 } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['forecast', 'horizon'] });
    expect(horizonError(500, 'W')).toMatch(/^500 weekly periods is beyond the limit of 104/);
    expect(horizonError(25, 'M')).toMatch(/limit of 24/);
  });

  it('warns past one season, past four holdouts and past half the history, and not for an ordinary horizon', () => {
    const base = { holdout: 8, frequency: 'W' as const, seasonLength: 52 };
    expect(horizonWarnings({ ...base, horizon: 8 })).toEqual([]);
    expect(historyWarning(8, 156)).toBeUndefined();
    const warnings = [...horizonWarnings({ ...base, horizon: 60 }), historyWarning(60, 100)];
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/beyond one season \(52\)/);
    expect(warnings[1]).toMatch(/more than 4x the holdout \(8\)/);
    expect(warnings[2]).toMatch(/more than half the typical history \(100 periods per series\)/);
    // Daily data: a 14-day horizon is ordinary although the season is 7 days.
    expect(horizonWarnings({ horizon: 14, holdout: 14, frequency: 'D', seasonLength: 7 })).toEqual([]);
  });
});
