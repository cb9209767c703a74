import { stringify } from 'yaml';
import { type StackOutputs, stackOutputsSchema } from '../outputs.ts';

/**
 * environments/<env>.yaml from a stack's outputs. The keys are those src/config/schema.ts reads (storage,
 * registry, compute, synapse); this module deliberately does not import it, so the script runs anywhere the
 * outputs are, and the shared schema is checked against it in the tests instead.
 */
export class StackOutputsError extends Error {
  override readonly name = 'StackOutputsError';
}

export function parseStackOutputs(text: string, source: string): StackOutputs {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new StackOutputsError(
      `${source} is not JSON (${(error as Error).message}); pipe \`pulumi stack output --json\``,
    );
  }
  const result = stackOutputsSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new StackOutputsError(
      `${source} does not hold the many-models stack outputs:\n${issues.join('\n')}`,
    );
  }
  return result.data;
}

export interface EnvironmentSettings {
  storage: {
    kind: 'azure';
    accountUrl: string;
    container: string;
    candidates?: { accountUrl: string; container: string };
  };
  registry: {
    kind: 'azureml';
    subscriptionId: string;
    resourceGroup: string;
    devWorkspace: string;
    prodWorkspace: string;
    prodResourceGroup: string;
  };
  /** image: the runtime image's repository in this stack's registry; jobs pin it to the code version's tag. */
  compute: { cluster: string; instanceCount: number; identityClientId?: string; image: string };
  synapse?: { server: string; database: string };
}

export function environmentSettings(outputs: StackOutputs): EnvironmentSettings {
  const settings: EnvironmentSettings = {
    storage: {
      kind: 'azure',
      // Azure reports endpoints with a trailing slash; the config's example and the SDK URLs have none.
      accountUrl: outputs.lakeBlobEndpoint.replace(/\/+$/, ''),
      container: outputs.lakeContainer,
      // Prod: promotion reads the dev run and prepared data from here and publishes them to this lake.
      ...(outputs.devLakeBlobEndpoint
        ? {
            candidates: {
              accountUrl: outputs.devLakeBlobEndpoint.replace(/\/+$/, ''),
              container: outputs.devLakeContainer ?? outputs.lakeContainer,
            },
          }
        : {}),
    },
    registry: {
      kind: 'azureml',
      subscriptionId: outputs.subscriptionId,
      // Training registers in the dev workspace; promotion writes the prod one: every environment names both.
      resourceGroup: outputs.devResourceGroupName,
      devWorkspace: outputs.devWorkspaceName,
      prodWorkspace: outputs.prodWorkspaceName,
      prodResourceGroup: outputs.prodResourceGroupName,
    },
    compute: {
      cluster: outputs.computeClusterName,
      instanceCount: outputs.computeMaxNodes,
      // The identity the cluster's jobs act as: dev trains, prod scores (the cluster also carries dataprep).
      identityClientId: outputs.identityClientIds[outputs.environment === 'dev' ? 'training' : 'scoring'],
      // ml.yml's Image stage builds <this>:<commit> (az acr build); cluster jobs register that tag, never :latest.
      image: `${outputs.containerRegistryLoginServer}/mm-runtime`,
    },
  };
  if (outputs.synapseServerlessSqlEndpoint) {
    settings.synapse = {
      server: outputs.synapseServerlessSqlEndpoint,
      database: outputs.synapseDatabase ?? 'manymodels',
    };
  }
  return settings;
}

export function environmentYaml(outputs: StackOutputs): string {
  const header = [
    `# Written by infra/scripts/write-environment.ts from the outputs of the \`${outputs.environment}\` Pulumi stack.`,
    '# Do not edit by hand: run `pulumi -C infra stack output --json -s <stack> | node infra/scripts/write-environment.ts`.',
  ].join('\n');
  return `${header}\n${stringify(environmentSettings(outputs))}`;
}
