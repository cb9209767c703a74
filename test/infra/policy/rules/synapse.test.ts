import { describe, expect, it } from 'vitest';
import {
  SPARK_POOL,
  SQL_POOL,
  synapseSparkAutoPause,
  synapseSqlServerlessOrPaused,
} from '../../../../infra/policy/rules/synapse.ts';
import { violations, withField } from '../run-policy.ts';

const spark = {
  bigDataPoolName: 'mmspark',
  workspaceName: 'mm-prod-syn',
  autoPause: { enabled: true, delayInMinutes: 15 },
  autoScale: { enabled: true, minNodeCount: 3, maxNodeCount: 3 },
};
const sparkPool = (props: Record<string, unknown>) => ({ type: SPARK_POOL, props });

describe('Synapse guardrails', () => {
  it('synapse-spark-auto-pause passes the pool the program declares', () => {
    expect(violations(synapseSparkAutoPause, sparkPool(spark))).toEqual([]);
  });

  it.each([
    [
      'autoPause.enabled',
      false,
      "Spark pool 'mmspark' must pause when idle: set autoPause.enabled to true (found false)",
    ],
    [
      'autoPause',
      undefined,
      "Spark pool 'mmspark' must pause when idle: set autoPause.enabled to true (found unset)",
    ],
    [
      'autoPause.delayInMinutes',
      240,
      "Spark pool 'mmspark' must pause within 60 idle minutes: set autoPause.delayInMinutes (found 240)",
    ],
    [
      'autoPause.delayInMinutes',
      undefined,
      "Spark pool 'mmspark' must pause within 60 idle minutes: set autoPause.delayInMinutes (found unset)",
    ],
  ])('synapse-spark-auto-pause: %s = %o is a violation', (field, value, message) => {
    expect(violations(synapseSparkAutoPause, sparkPool(withField(spark, field, value)))).toEqual([message]);
  });

  it('synapse-sql-serverless-or-paused is advisory and flags any dedicated pool', () => {
    expect(synapseSqlServerlessOrPaused.enforcementLevel).toBe('advisory');
    const pool = {
      type: SQL_POOL,
      props: { sqlPoolName: 'mmdw', workspaceName: 'mm-prod-syn', sku: { name: 'DW100c' } },
    };
    expect(violations(synapseSqlServerlessOrPaused, pool)).toEqual([
      "dedicated SQL pool 'mmdw' (DW100c) bills by the hour while online: use serverless SQL, or pause it whenever it is idle (az synapse sql pool pause)",
    ]);
    // Serverless SQL is no resource at all, so a workspace without pools passes.
    expect(
      violations(synapseSqlServerlessOrPaused, { type: 'azure-native:synapse:Workspace', props: {} }),
    ).toEqual([]);
  });
});
