// Pipeline entry point (ml.yml, stage ArchiveRejected, identity `promotion`: the only identity that may write prod
// models). Runs only when VerifyProd failed: re-derives the run's prod versions from their tags with the same rules
// (it trusts no list handed over), archives every version the rules reject, and fails the run.
//   node .azure-pipelines/scripts/archive-rejected.ts --config <dataset.yaml> --env <env> --run <id>
// Exit 0: nothing to archive; 1: versions archived (the run stays failed); 2: bad input or an archive failed.
import { parseArgs } from 'node:util';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { type AmlClientOptions, type AmlWorkspaceRef, createAmlClient } from '../../src/azure/aml-client.ts';
import { azureMlRegistryFor, workspaceFor } from '../../src/azure/aml-registry-for.ts';
import { loadConfig } from '../../src/config/load.ts';
import { registryIndexPrefix } from '../../src/lake/dataset-lake.ts';
import type { PromotionRules } from '../../src/promotion/rules.ts';
import { registryFor } from '../../src/registry/for-config.ts';
import type { ModelRegistry } from '../../src/registry/types.ts';
import { verifyProdModels } from './verify-prod-models.ts';

/** Archives one model version; the registry kind decides how. */
export type ArchiveVersion = (name: string, version: number) => Promise<void>;

/**
 * Azure ML: a version is archived by writing it back with `properties.isArchived: true` (ModelVersions
 * CreateOrUpdate; AssetBase.isArchived in mfe.json, api-version 2022-10-01). Everything else of the version is
 * sent back as read, so only the flag changes; an archived version stays readable for the audit trail.
 */
export function amlArchiver(
  workspace: AmlWorkspaceRef,
  options: AmlClientOptions & { client?: AzureMachineLearningWorkspaces },
): ArchiveVersion {
  const client = options.client ?? createAmlClient(workspace.subscriptionId, options);
  return async (name, version) => {
    const current = await client.modelVersions.get(
      workspace.resourceGroup,
      workspace.workspace,
      name,
      String(version),
    );
    await client.modelVersions.createOrUpdate(
      workspace.resourceGroup,
      workspace.workspace,
      name,
      String(version),
      {
        properties: { ...current.properties, isArchived: true },
      },
    );
  };
}

/** Archives, then drops the model's entry from the lake's model index, so scoring stops reading that version. */
export function withIndexDropped(
  archive: ArchiveVersion,
  registry: { forgetIndexEntry(name: string): Promise<void> },
): ArchiveVersion {
  return async (name, version) => {
    await archive(name, version);
    await registry.forgetIndexEntry(name);
  };
}

export interface ArchiveResult {
  checked: number;
  rejected: string[];
  archived: { name: string; version: number }[];
}

export async function archiveRejected(options: {
  registry: ModelRegistry;
  rules: PromotionRules;
  runId: string;
  archive: ArchiveVersion;
  signal?: AbortSignal;
}): Promise<ArchiveResult> {
  const verdict = await verifyProdModels(options.registry, options.rules, options.runId, options.signal);
  const archived: ArchiveResult['archived'] = [];
  for (const offender of verdict.offenders) {
    options.signal?.throwIfAborted();
    await options.archive(offender.name, offender.version);
    archived.push(offender);
  }
  return { checked: verdict.checked, rejected: verdict.rejected, archived };
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      options: { config: { type: 'string' }, env: { type: 'string' }, run: { type: 'string' } },
    });
    if (!values.config || !values.env || !values.run || !RUN_ID.test(values.run)) {
      console.error('usage: archive-rejected.ts --config <dataset.yaml> --env <env> --run <run id>');
      process.exit(2);
    }
    const config = loadConfig({ configPath: values.config, env: values.env });
    if (config.registry.kind !== 'azureml') {
      console.error(
        `archive-rejected: the ${config.registry.kind} registry has no archive; nothing archived`,
      );
      process.exit(2);
    }
    const result = await archiveRejected({
      registry: registryFor(config, 'prod'),
      rules: config.promotion,
      runId: values.run,
      archive: withIndexDropped(
        amlArchiver(workspaceFor(config.registry, 'prod'), {}),
        azureMlRegistryFor(config.registry, 'prod', {
          artifactPrefix: registryIndexPrefix(config.storage, 'prod'),
        }),
      ),
    });
    for (const line of result.rejected) console.log(`##vso[task.logissue type=error]${line}`);
    for (const a of result.archived) console.log(`archive-rejected: archived ${a.name} v${a.version}`);
    console.log(
      `archive-rejected: ${result.checked} prod version(s) of run ${values.run} checked, ${result.archived.length} archived`,
    );
    process.exitCode = result.archived.length > 0 ? 1 : 0;
  } catch (error) {
    console.error(`archive-rejected: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
