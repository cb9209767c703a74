import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPipeline, pipelinesDir, readYaml } from './expand.ts';
import { isReference, scanText } from './secrets.ts';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

// Fakes are assembled at run time so that this file itself holds nothing key-like.
const fake = {
  storageKey: `${'Zm9vYmFy'.repeat(10)}ABCDEF==`,
  connectionString: ['DefaultEndpointsProtocol=https', 'AccountName=mmlake', `Account${'Key'}=abc123`].join(
    ';',
  ),
  sas: `https://mmlake.blob.core.windows.net/lake?sv=2024-01-01&${'sig'}=${'a'.repeat(24)}%3D`,
  jwt: ['eyJhbGciOiJSUzI1NiJ9', 'eyJzdWIiOiJ4eXoifQ', 'c2lnbmF0dXJlLXBhcnQ'].join('.'),
  clientSecret: `abc1${'Q~'}${'x'.repeat(32)}`,
  tenantId: ['72f988bf', '86f1', '41af', '91ab', '2d7cd011db47'].join('-'),
};

describe('secrets in the pipelines', () => {
  it('the scan flags key-like text and literal values of secret-named settings', () => {
    const planted = [
      `  storageKey: ${fake.storageKey}`,
      `  conn: "${fake.connectionString}"`,
      `  url: ${fake.sas}`,
      `  bearer: ${fake.jwt}`,
      `  id: ${fake.clientSecret}`,
      `  tenant: ${fake.tenantId}`,
      '  - name: sqlPassword',
      '    value: hunter2',
      '  clientSecret: not-a-reference',
      '      export PULUMI_CONFIG_PASSPHRASE=letmein',
    ].join('\n');
    const rules = scanText('planted.yml', planted).map((f) => `${f.line}: ${f.rule}`);
    expect(rules).toEqual([
      '1: storage account key',
      '2: connection string key',
      '3: SAS signature',
      '4: JSON web token',
      '5: Entra ID client secret',
      '6: hard-coded GUID (tenant, subscription and client ids belong to the service connection)',
      "7: literal value for secret-named variable 'sqlPassword'",
      "9: literal value for secret-named setting 'clientSecret'",
      "10: literal value for secret-named 'PULUMI_CONFIG_PASSPHRASE'",
    ]);
  });

  it('the scan accepts references to the service connection, the variable group and shell variables', () => {
    for (const value of [
      '$(pulumi-config-passphrase)',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an Azure Pipelines template expression, not JavaScript
      '${{ parameters.pulumiConfigPassphrase }}',
      '"$idToken"',
      '$[ variables.x ]',
      "''",
    ]) {
      expect(isReference(value), value).toBe(true);
    }
    expect(scanText('ok.yml', 'env:\n  PULUMI_CONFIG_PASSPHRASE: $(pulumi-config-passphrase)\n')).toEqual([]);
  });

  it('no pipeline or template file holds a secret', () => {
    const findings = files(pipelinesDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => scanText(path.relative(pipelinesDir, f), readFileSync(f, 'utf8')));
    expect(findings).toEqual([]);
  });

  it('reads its one secret from the Key Vault-linked group, and hands it to Pulumi steps only', () => {
    // infra.yml reads the group per stage (branch-controlled on main, the preview group on PRs); ml.yml runs no
    // Pulumi and reads no group.
    const infraDoc = readYaml(path.join(pipelinesDir, 'infra.yml')) as {
      stages: { variables?: unknown[] }[];
    };
    expect(infraDoc.stages.flatMap((s) => s.variables ?? [])).toContainEqual({ group: 'mm-pulumi' });
    const mlDoc = readYaml(path.join(pipelinesDir, 'ml.yml')) as { variables: unknown[] };
    expect(mlDoc.variables).not.toContainEqual({ group: 'mm-pulumi' });
    const mentions = files(pipelinesDir).filter((f) =>
      readFileSync(f, 'utf8').includes('$(pulumi-config-passphrase)'),
    );
    expect(mentions.map((f) => path.relative(pipelinesDir, f))).toEqual([
      path.join('templates', 'pulumi.yml'),
    ]);
    const steps = ['infra.yml', 'ml.yml']
      .map((name) => expandPipeline(path.join(pipelinesDir, name)))
      .flatMap((p) => p.stages.flatMap((s) => s.jobs))
      .flatMap((j) => JSON.stringify(j).match(/"PULUMI_CONFIG_PASSPHRASE":"[^"]*"/g) ?? []);
    const withSecret = steps.filter((s) => s.includes('pulumi-config-passphrase'));
    const empty = steps.filter((s) => s === '"PULUMI_CONFIG_PASSPHRASE":""');
    expect(withSecret.length + empty.length).toBe(steps.length);
    expect(withSecret.length).toBe(8); // the eight pulumi commands, all in infra.yml
  });
});
