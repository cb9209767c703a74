// Prints the one-time Spark bootstrap for a stack (infra/spark-grants.ts) as a shell script for an administrator:
//   node infra/scripts/spark-grants.ts --app-id <guid> --object-id <guid> --name mm-dev-id-training \
//     --lake abfss://lake@<account>.dfs.core.windows.net/ \
//     [--connector <databricksAccessConnectorId> --catalog main --schema manymodels --volume lake] \
//     [--synapse-workspace <synapseWorkspaceName> --spark-pool <synapseSparkPool>]
import { parseArgs } from 'node:util';
import { sparkGrants, sparkGrantsScript } from '../spark-grants.ts';

try {
  const { values: v } = parseArgs({
    options: Object.fromEntries(
      [
        'app-id',
        'object-id',
        'name',
        'lake',
        'connector',
        'catalog',
        'schema',
        'volume',
        'synapse-workspace',
        'spark-pool',
      ].map((k) => [k, { type: 'string' as const }]),
    ),
  });
  const need = (key: string): string => {
    const value = v[key];
    if (typeof value !== 'string') throw new Error(`--${key} is required`);
    return value;
  };
  const bootstrap = sparkGrants({
    principal: { applicationId: need('app-id'), objectId: need('object-id'), displayName: need('name') },
    lakeUrl: need('lake'),
    ...(v.connector
      ? {
          databricks: {
            accessConnectorId: need('connector'),
            catalog: need('catalog'),
            schema: need('schema'),
            volume: need('volume'),
          },
        }
      : {}),
    ...(v['synapse-workspace']
      ? { synapse: { workspace: need('synapse-workspace'), sparkPool: need('spark-pool') } }
      : {}),
  });
  process.stdout.write(sparkGrantsScript(bootstrap));
} catch (error) {
  console.error(`spark-grants: ${(error as Error).message}`);
  process.exitCode = 2;
}
