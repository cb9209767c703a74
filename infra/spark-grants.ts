/**
 * The one-time Spark bootstrap (issue 15): what an administrator runs once per stack so the stage identity that
 * trains or scores with `compute.engine: databricks | synapse-spark` can submit jobs and reach the lake, and nothing
 * more. Like infra/synapse-grants.ts, it is generated rather than deployed: neither Unity Catalog objects nor Synapse
 * RBAC are Azure resources that the azure-native provider manages.
 *
 * Databricks, as a workspace admin and metastore admin:
 * - the stage identity becomes a workspace service principal with the `allow-cluster-create` entitlement, which a
 *   one-time run on a new job cluster (Jobs API 2.1 runs/submit) needs (workspace SCIM API,
 *   POST /api/2.0/preview/scim/v2/ServicePrincipals: schemas, applicationId, displayName, entitlements;
 *   https://docs.databricks.com/api/azure/workspace/serviceprincipals/create);
 * - a storage credential on the stack's access connector (Unity Catalog API, POST
 *   /api/2.1/unity-catalog/storage-credentials with `azure_managed_identity.access_connector_id`,
 *   https://docs.databricks.com/api/azure/workspace/storagecredentials/create), so the lake is
 *   read with a managed identity and no key;
 * - an external location over the lake container (POST /api/2.1/unity-catalog/external-locations: name, url,
 *   credential_name; https://docs.databricks.com/api/azure/workspace/externallocations/create) and an external
 *   volume on it, which "must be registered against a directory within an external
 *   location" (https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-syntax-ddl-create-volume);
 * - READ VOLUME and WRITE VOLUME on that volume only, with USE CATALOG / USE SCHEMA to reach it; a service principal
 *   is named by its application id in GRANT.
 *
 * Synapse, as a Synapse Administrator (`az synapse role assignment create`,
 * https://learn.microsoft.com/cli/azure/synapse/role/assignment): "Synapse Compute Operator" on the Spark pool only
 * (submit and cancel batch jobs) and "Synapse Credential User" on the WorkspaceSystemIdentity credential only (the
 * job reads the lake through the workspace identity's linked service).
 */
export interface SparkGrantsOptions {
  /** The stage identity that submits the jobs (training in dev, scoring in prod). */
  principal: { applicationId: string; objectId: string; displayName: string };
  /** The lake container as ABFS sees it: abfss://<container>@<account>.dfs.core.windows.net/ */
  lakeUrl: string;
  databricks?: { accessConnectorId: string; catalog: string; schema: string; volume: string };
  synapse?: { workspace: string; sparkPool: string };
}

/** One Databricks REST call, as `databricks api post <path> --json <body>` sends it. */
export interface DatabricksApiCall {
  path: string;
  body: Record<string, unknown>;
}

export interface SparkBootstrap {
  databricksApi: DatabricksApiCall[];
  /** Databricks SQL, run after the API calls (the volume needs the external location). */
  databricksSql: string;
  /** argv of each `az` command. */
  synapse: string[][];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const LAKE_URL = /^abfss:\/\/[a-z0-9][a-z0-9-]{1,62}@[a-z0-9]{3,24}\.dfs\.core\.windows\.net\/$/;
const RESOURCE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[\w.()-]{1,90}\/providers\/Microsoft\.Databricks\/accessConnectors\/[\w-]{1,64}$/i;

function check(what: string, value: string, rule: RegExp): string {
  if (!rule.test(value)) throw new Error(`spark grants: ${what} '${value}' is not valid`);
  return value;
}

const quoted = (name: string) => `\`${name}\``;

export function sparkGrants(options: SparkGrantsOptions): SparkBootstrap {
  const appId = check('principal.applicationId', options.principal.applicationId, GUID);
  const objectId = check('principal.objectId', options.principal.objectId, GUID);
  const displayName = check('principal.displayName', options.principal.displayName, NAME);
  const lakeUrl = check('lakeUrl', options.lakeUrl, LAKE_URL);
  const bootstrap: SparkBootstrap = { databricksApi: [], databricksSql: '', synapse: [] };

  const dbx = options.databricks;
  if (dbx) {
    const connector = check('databricks.accessConnectorId', dbx.accessConnectorId, RESOURCE_ID);
    const [catalog, schema, volume] = [dbx.catalog, dbx.schema, dbx.volume].map((v, i) =>
      check(`databricks.${['catalog', 'schema', 'volume'][i]}`, v, NAME),
    ) as [string, string, string];
    const credential = `${displayName}-lake`;
    const location = `${catalog}-${schema}-${volume}`;
    bootstrap.databricksApi = [
      {
        path: '/api/2.0/preview/scim/v2/ServicePrincipals',
        body: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal'],
          applicationId: appId,
          displayName,
          entitlements: [{ value: 'allow-cluster-create' }],
        },
      },
      {
        path: '/api/2.1/unity-catalog/storage-credentials',
        body: { name: credential, azure_managed_identity: { access_connector_id: connector } },
      },
      {
        path: '/api/2.1/unity-catalog/external-locations',
        body: { name: location, url: lakeUrl, credential_name: credential },
      },
    ];
    const full = `${quoted(catalog)}.${quoted(schema)}`;
    const vol = `${full}.${quoted(volume)}`;
    const who = quoted(appId);
    bootstrap.databricksSql = [
      '-- Run once as a metastore admin (or the catalog owner), after the API calls.',
      `CREATE SCHEMA IF NOT EXISTS ${full};`,
      `CREATE EXTERNAL VOLUME IF NOT EXISTS ${vol} LOCATION '${lakeUrl}';`,
      `GRANT USE CATALOG ON CATALOG ${quoted(catalog)} TO ${who};`,
      `GRANT USE SCHEMA ON SCHEMA ${full} TO ${who};`,
      `GRANT READ VOLUME, WRITE VOLUME ON VOLUME ${vol} TO ${who};`,
      '',
    ].join('\n');
  }

  const syn = options.synapse;
  if (syn) {
    const workspace = check('synapse.workspace', syn.workspace, NAME);
    const pool = check('synapse.sparkPool', syn.sparkPool, NAME);
    const assign = (role: string, itemType: string, item: string) => [
      'az',
      'synapse',
      'role',
      'assignment',
      'create',
      '--workspace-name',
      workspace,
      '--role',
      role,
      '--assignee-object-id',
      objectId,
      '--assignee-principal-type',
      'ServicePrincipal',
      '--item-type',
      itemType,
      '--item',
      item,
    ];
    bootstrap.synapse = [
      assign('Synapse Compute Operator', 'bigDataPools', pool),
      assign('Synapse Credential User', 'credentials', 'WorkspaceSystemIdentity'),
    ];
  }
  return bootstrap;
}

/** The bootstrap as a shell script; every value was checked against a plain-name rule, so single quotes suffice. */
export function sparkGrantsScript(bootstrap: SparkBootstrap): string {
  const lines = ['#!/usr/bin/env bash', 'set -euo pipefail', ''];
  for (const call of bootstrap.databricksApi)
    lines.push(`databricks api post ${call.path} --json '${JSON.stringify(call.body)}'`);
  if (bootstrap.databricksSql)
    lines.push(
      '',
      '# Then, in a Databricks SQL editor or notebook:',
      ...bootstrap.databricksSql.split('\n').map((l) => (l ? `#   ${l}` : '')),
    );
  for (const argv of bootstrap.synapse)
    lines.push(argv.map((a) => (/^[\w./-]+$/.test(a) ? a : `'${a}'`)).join(' '));
  return `${lines.join('\n')}\n`;
}
