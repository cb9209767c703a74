import { describe, expect, it } from 'vitest';
import {
  amlComputeScalesToZero,
  durationSeconds,
  ML_COMPUTE,
} from '../../../../infra/policy/rules/aml-compute.ts';
import { violations, withField } from '../run-policy.ts';

const cluster = {
  computeName: 'cpu-cluster',
  workspaceName: 'mm-dev-mlw',
  resourceGroupName: 'mm-dev-rg',
  properties: {
    computeType: 'AmlCompute',
    disableLocalAuth: true,
    properties: {
      vmSize: 'Standard_D4s_v5',
      vmPriority: 'LowPriority',
      scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT10M' },
    },
  },
};
const candidate = (props: Record<string, unknown>) => ({ type: ML_COMPUTE, props });
const scale = 'properties.properties.scaleSettings';
const idleMessage = (found: string, minutes = 30) =>
  `compute cluster 'cpu-cluster' must release idle nodes within ${minutes} minutes: set scaleSettings.nodeIdleTimeBeforeScaleDown to an ISO 8601 duration such as PT10M (found ${found})`;

describe('aml-compute-scales-to-zero', () => {
  it('passes the cluster the program declares', () => {
    expect(violations(amlComputeScalesToZero, candidate(cluster))).toEqual([]);
  });

  it.each([
    [
      `${scale}.minNodeCount`,
      1,
      "compute cluster 'cpu-cluster' must scale to zero: set scaleSettings.minNodeCount to 0 (found 1)",
    ],
    [`${scale}.nodeIdleTimeBeforeScaleDown`, 'PT2H', idleMessage("'PT2H'")],
    [`${scale}.nodeIdleTimeBeforeScaleDown`, 'PT31M', idleMessage("'PT31M'")],
    [`${scale}.nodeIdleTimeBeforeScaleDown`, '10 minutes', idleMessage("'10 minutes'")],
    [`${scale}.nodeIdleTimeBeforeScaleDown`, undefined, idleMessage('unset')],
  ])('%s = %o is a violation', (field, value, message) => {
    expect(violations(amlComputeScalesToZero, candidate(withField(cluster, field, value)))).toEqual([
      message,
    ]);
  });

  it('treats an unset minimum as Azure’s default of zero', () => {
    expect(
      violations(amlComputeScalesToZero, candidate(withField(cluster, `${scale}.minNodeCount`, undefined))),
    ).toEqual([]);
  });

  it('takes the idle limit from the policy config', () => {
    const slow = candidate(withField(cluster, `${scale}.nodeIdleTimeBeforeScaleDown`, 'PT45M'));
    expect(violations(amlComputeScalesToZero, slow, { maxIdleMinutes: 60 })).toEqual([]);
    expect(violations(amlComputeScalesToZero, candidate(cluster), { maxIdleMinutes: 5 })).toEqual([
      idleMessage("'PT10M'", 5),
    ]);
    expect(violations(amlComputeScalesToZero, candidate(cluster), { maxIdleMinutes: -1 })).toEqual([
      'policy config for aml-compute-scales-to-zero is invalid: maxIdleMinutes: Too small: expected number to be >0',
    ]);
  });

  it('leaves other compute kinds (the AKS attachment) alone', () => {
    const kubernetes = {
      computeName: 'aks-scoring',
      properties: { computeType: 'Kubernetes', resourceId: 'x' },
    };
    expect(violations(amlComputeScalesToZero, candidate(kubernetes))).toEqual([]);
  });

  it.each([
    ['PT10M', 600],
    ['PT1H30M', 5400],
    ['PT120S', 120],
    ['PT0.5H', 1800],
    ['PT', undefined],
    ['P1D', undefined],
  ])('reads the duration %s as %o seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });
});
