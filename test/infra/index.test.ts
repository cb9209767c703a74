import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import program from '../../infra/index.ts';
import { installMocks, resolve, settle } from './harness.ts';

/** Config as the Pulumi engine hands it to the program: flat keys, every value text. */
const devConfig = {
  'azure-native:location': 'westeurope',
  'many-models:environment': 'dev',
  'many-models:prefix': 'mm',
  'many-models:owner': 'ml-platform@contoso.com',
  'many-models:costCentre': '4711',
  'many-models:enableDatabricks': 'false',
  'many-models:compute': JSON.stringify({ maxNodes: 2, lowPriority: true }),
};

describe('the program entry point (infra/index.ts)', () => {
  it('reads the stack config Pulumi provides and returns the stack outputs', async () => {
    const rec = await installMocks({ stack: 'dev' });
    pulumi.runtime.setAllConfig(devConfig);
    const outputs = await resolve(program());
    await settle();
    expect(outputs).toMatchObject({ environment: 'dev', workspaceName: 'mm-dev-mlw', computeMaxNodes: 2 });
    const tags = rec.one('azure-native:resources:ResourceGroup').inputs.tags;
    expect(tags).toEqual({
      environment: 'dev',
      owner: 'ml-platform@contoso.com',
      'cost-centre': '4711',
      project: 'many-models',
      'managed-by': 'pulumi',
    });
  });

  it('stops before declaring anything when the config is wrong, naming the stack file and each key', async () => {
    const rec = await installMocks({ stack: 'dev' });
    pulumi.runtime.setAllConfig({
      ...devConfig,
      'many-models:enableSynapse': 'maybe',
      'many-models:prefx': 'mm',
    });
    let error: unknown;
    try {
      program();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect((error as Error).message).toBe(
      [
        'invalid stack configuration in Pulumi.dev.yaml:',
        '  - many-models:enableSynapse: Invalid input: expected boolean, received string',
        "  - config: unknown key(s) 'many-models:prefx'",
      ].join('\n'),
    );
    await settle();
    expect(rec.declared).toEqual([]);
  });
});
