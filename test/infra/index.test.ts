import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import program from '../../infra/index.ts';
import { INFRA_DIR, installMocks, resolve, settle } from './harness.ts';

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

  it('is loaded by Node itself, the way Pulumi imports it with typescript: false (no ts-node, no build)', async () => {
    const project = parse(readFileSync(path.join(INFRA_DIR, 'Pulumi.yaml'), 'utf8')) as {
      runtime: { name: string; options: Record<string, unknown> };
      main: string;
    };
    expect(project.runtime).toEqual({
      name: 'nodejs',
      options: { typescript: false, packagemanager: 'npm' },
    });
    const main = path.join(INFRA_DIR, project.main);
    expect(existsSync(main)).toBe(true);
    // A fresh Node process, outside vitest's transforms: native type stripping must accept every infra file.
    const probe = `const m = await import(${JSON.stringify(pathToFileURL(main).href)}); console.log(typeof m.default);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: INFRA_DIR,
    });
    expect(stdout.trim()).toBe('function');
  });

  it('refuses the committed prod file until its placeholder object ids are replaced, saying what to set', async () => {
    const rec = await installMocks({ stack: 'prod' });
    const file = parse(readFileSync(path.join(INFRA_DIR, 'Pulumi.prod.yaml'), 'utf8')) as {
      config: Record<string, unknown>;
    };
    const asPulumiGivesIt = (config: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      );
    pulumi.runtime.setAllConfig(asPulumiGivesIt(file.config));
    expect(() => program()).toThrow(
      new RegExp(
        [
          'invalid stack configuration in Pulumi.prod.yaml:',
          "  - many-models:synapse.adminObjectId: '00000000-0000-0000-0000-00000000a001' is the template's placeholder; set it to the object id of your Synapse SQL admin group",
          "  - many-models:aks.deployer.objectId: '00000000-0000-0000-0000-00000000a002' is the template's placeholder; set it to the object id of the service principal that runs `pulumi up`",
        ]
          .join('\n')
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      ),
    );
    await settle();
    expect(rec.declared).toEqual([]);
    // With real ids (a fork's), the same file runs.
    const real = structuredClone(file.config) as Record<string, Record<string, unknown>>;
    (real['many-models:synapse'] as Record<string, unknown>).adminObjectId =
      '3f1b2c4d-1111-4222-8333-944455556666';
    (real['many-models:aks']?.deployer as Record<string, unknown>).objectId =
      '3f1b2c4d-1111-4222-8333-944455557777';
    await installMocks({
      stack: 'prod',
      stackOutputs: { workspaceId: 'w', lakeContainerId: 'l', containerRegistryId: 'r' },
    });
    pulumi.runtime.setAllConfig(asPulumiGivesIt(real));
    const outputs = await resolve(program());
    await settle();
    expect(outputs).toMatchObject({ environment: 'prod' });
  });
});
