import { describe, expect, it } from 'vitest';
import { formatTable, summarise } from '../../../twin/rehearsal/report.ts';

describe('the rehearsal’s table', () => {
  it('counts calls per service, the lakes read or written, and the refusals met', () => {
    const s = summarise([
      { service: 'storage', status: 200, account: 'mmdevlake', method: 'GET' },
      { service: 'storage', status: 201, account: 'mmprodlake', method: 'PUT' },
      { service: 'storage', status: 403, account: 'mmprodlake', method: 'GET' },
      { service: 'arm', status: 429, method: 'PUT' },
      { service: 'arm', status: 409, method: 'PUT' },
      { service: 'registry', status: 201, method: 'PUT' },
      { service: 'token', status: 200 },
      { service: 'sql', status: 0 },
      { service: 'sql', status: 262 },
    ]);
    expect(s).toEqual({
      lakes: ['mmdevlake (r)', 'mmprodlake (rw)'],
      storage: 3,
      arm: 2,
      registry: 1,
      tokens: 1,
      sql: 2,
      sqlErrors: [262],
      met: { 403: 1, 429: 1, 409: 1 },
    });
  });

  it('counts the SQL logins and batches and names the SQL errors met', () => {
    const table = formatTable([
      {
        stage: 'Score',
        step: 'score.ts',
        identity: 'prod/scoring',
        exitCode: 1,
        seconds: 1,
        calls: [
          { service: 'sql', status: 0 },
          { service: 'sql', status: 262 },
        ],
      },
    ]);
    expect(table).toMatch(/\| Score .*\| 0\/0\/0\/0\/2 +\| 0\/0\/0 +\| 262 .*\| FAILED \(exit 1\)/);
  });

  it('says a step that met refusals and still passed survived them, and why a step did not run', () => {
    const table = formatTable([
      {
        stage: 'Train',
        step: 'train.ts',
        identity: 'dev/training',
        exitCode: 0,
        seconds: 1,
        calls: [{ service: 'arm', status: 429 }],
        nodes: [`localhost/mm-runtime:local@sha256:${'ab'.repeat(32)}`],
      },
      {
        stage: 'Score',
        step: 'score.ts',
        identity: 'prod/scoring',
        exitCode: -1,
        seconds: 0,
        calls: [],
        notRun: 'an earlier step failed',
      },
    ]);
    expect(table).toMatch(/\| Train .*\| 0\/1\/0\/0\/0 .*\| passed \(survived\) /);
    expect(table).toMatch(/\| Train .*\| localhost\/mm-runtime:local@sha256:abababababab \| passed/);
    expect(table).toMatch(/\| Score .*\| - +\| not run/);
    expect(table).toMatch(/\| Score .*\| not run: an earlier step failed /);
  });
});
