import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sparkGrants, sparkGrantsScript } from '../../infra/spark-grants.ts';
import { venvProgram } from '../pipelines/python.ts';

// Issue 15: what the Spark engines need that the Pulumi program cannot deploy (Unity Catalog objects, Synapse RBAC),
// generated for a one-time administrator run, least privilege, and checked by running it against recording CLIs.

const sqlfluff = venvProgram('sql', 'sqlfluff');
const APP = '11111111-2222-3333-4444-555555555555';
const OBJ = '66666666-7777-8888-9999-000000000000';
const CONNECTOR =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mm-dev-rg/providers/Microsoft.Databricks/accessConnectors/mm-dev-dbac';
const LAKE = 'abfss://lake@mmdevlake.dfs.core.windows.net/';

const bootstrap = sparkGrants({
  principal: { applicationId: APP, objectId: OBJ, displayName: 'mm-dev-id-training' },
  lakeUrl: LAKE,
  databricks: { accessConnectorId: CONNECTOR, catalog: 'main', schema: 'manymodels', volume: 'lake' },
  synapse: { workspace: 'mm-dev-syn', sparkPool: 'mmspark' },
});

describe('the Spark bootstrap for the stage identity', () => {
  it('adds the identity to Databricks with cluster creation only, and reads the lake through the access connector', () => {
    const [scim, credential, location] = bootstrap.databricksApi;
    expect(scim?.path).toBe('/api/2.0/preview/scim/v2/ServicePrincipals');
    expect(scim?.body).toMatchObject({
      applicationId: APP,
      entitlements: [{ value: 'allow-cluster-create' }],
    });
    expect(JSON.stringify(scim?.body)).not.toMatch(/admins|groups/);
    expect(credential?.body).toEqual({
      name: 'mm-dev-id-training-lake',
      azure_managed_identity: { access_connector_id: CONNECTOR },
    });
    expect(location?.body).toEqual({
      name: 'main-manymodels-lake',
      url: LAKE,
      credential_name: 'mm-dev-id-training-lake',
    });
  });

  it('grants read and write on the lake volume and only what reaches it', () => {
    const grants = bootstrap.databricksSql.match(/^GRANT .*$/gm);
    expect(grants).toEqual([
      `GRANT USE CATALOG ON CATALOG \`main\` TO \`${APP}\`;`,
      `GRANT USE SCHEMA ON SCHEMA \`main\`.\`manymodels\` TO \`${APP}\`;`,
      `GRANT READ VOLUME, WRITE VOLUME ON VOLUME \`main\`.\`manymodels\`.\`lake\` TO \`${APP}\`;`,
    ]);
    expect(bootstrap.databricksSql).toContain(
      `CREATE EXTERNAL VOLUME IF NOT EXISTS \`main\`.\`manymodels\`.\`lake\` LOCATION '${LAKE}';`,
    );
    expect(bootstrap.databricksSql.replace(/^--.*$/gm, '')).not.toMatch(
      /ALL PRIVILEGES|OWNER|MANAGE|CREATE EXTERNAL LOCATION/i,
    );
  });

  it('gives Synapse roles on the pool and the workspace credential, never the workspace', () => {
    expect(
      bootstrap.synapse.map((argv) => argv.slice(argv.indexOf('--role'), argv.indexOf('--role') + 2)),
    ).toEqual([
      ['--role', 'Synapse Compute Operator'],
      ['--role', 'Synapse Credential User'],
    ]);
    for (const argv of bootstrap.synapse) {
      expect(argv).toContain(OBJ);
      // The item types `az synapse role assignment create` documents; an item scope, not the workspace.
      expect(['bigDataPools', 'credentials']).toContain(argv[argv.indexOf('--item-type') + 1]);
      expect(argv).not.toContain('--scope');
    }
    expect(JSON.stringify(bootstrap.synapse)).not.toMatch(/Administrator|Contributor/);
  });

  it('refuses values that are not plain names, ids or a lake URL (nothing reaches SQL or a shell)', () => {
    const base = { principal: { applicationId: APP, objectId: OBJ, displayName: 'x' }, lakeUrl: LAKE };
    expect(() =>
      sparkGrants({ ...base, principal: { ...base.principal, displayName: "x'; rm -rf / #" } }),
    ).toThrow("spark grants: principal.displayName 'x'; rm -rf / #' is not valid");
    expect(() =>
      sparkGrants({
        ...base,
        databricks: { accessConnectorId: CONNECTOR, catalog: 'main`; DROP', schema: 's', volume: 'v' },
      }),
    ).toThrow("databricks.catalog 'main`; DROP' is not valid");
    expect(() => sparkGrants({ ...base, lakeUrl: 'https://mmdevlake.blob.core.windows.net/lake' })).toThrow(
      'lakeUrl',
    );
  });

  it('is a shell script whose commands receive exactly the calls above', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-spark-grants-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const log = path.join(dir, 'calls.jsonl');
    for (const cli of ['databricks', 'az']) {
      const file = path.join(bin, cli);
      writeFileSync(
        file,
        `#!/usr/bin/env node\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify([${JSON.stringify(cli)}, ...process.argv.slice(2)]) + '\\n');\n`,
      );
      chmodSync(file, 0o755);
    }
    const script = path.join(dir, 'bootstrap.sh');
    writeFileSync(script, sparkGrantsScript(bootstrap));
    const run = spawnSync('bash', [script], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(calls.slice(0, 3).map((c) => [c[3], JSON.parse(c[5] ?? 'null')])).toEqual(
      bootstrap.databricksApi.map((c) => [c.path, c.body]),
    );
    expect(calls.slice(3)).toEqual(bootstrap.synapse);
  });

  it.skipIf(!sqlfluff)(
    'is Databricks SQL a parser reads without an unparsable section',
    () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'mm-uc-')), 'grants.sql');
      writeFileSync(file, bootstrap.databricksSql);
      const r = spawnSync(
        sqlfluff as string,
        ['parse', '--dialect', 'databricks', '--format', 'json', file],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('unparsable');
    },
    60_000,
  );
});
