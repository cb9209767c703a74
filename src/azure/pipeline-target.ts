import type { PipelineService } from '../compute/aml-parallel.ts';
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import { lakePrefixOf, urlUnderPrefix } from '../lake/dataset-lake.ts';
import type { BlobStore } from '../storage/types.ts';
import { codeVersion } from '../util/code-version.ts';
import { type AmlClientOptions, createAmlClient } from './aml-client.ts';
import { workspaceFor } from './aml-registry-for.ts';
import { ensureEnvironment } from './environment-version.ts';
import { armPipelineService } from './pipeline-job.ts';
import { pinnedRuntimeImage } from './runtime-image.ts';

export interface PipelineTargetOptions extends AmlClientOptions {
  config: Config;
  stage: 'train' | 'score';
  /** The environment file's name, for messages. */
  env: string;
  /** The lake (the mm_lake datastore), where the entry script's code snapshots go. */
  lake: BlobStore;
  /** The version the runtime image is pinned to when compute.image names a repository only (default: this code's). */
  codeVersion?: string;
  tags?: Record<string, string>;
}

/**
 * Azure ML as the pipeline service of a stage: training runs in the dev workspace, scoring in prod. The runtime
 * image of this code (compute.image, pinned to the code version as ml.yml's Image stage tags it) is registered
 * there as an environment version, which every step of the submitted pipeline runs in: never `@latest`.
 */
export async function amlPipelineService(options: PipelineTargetOptions): Promise<PipelineService> {
  const { config, stage } = options;
  const source = `environments/${options.env}.yaml`;
  const problems: string[] = [];
  if (config.registry.kind !== 'azureml')
    problems.push(
      `registry.kind: the ${stage} pipeline on Azure ML needs 'azureml' (the models live in the workspaces)`,
    );
  if (config.compute?.engine !== 'aml' || !config.compute.image)
    problems.push(`compute: the ${stage} pipeline on Azure ML needs compute.cluster and compute.image`);
  if (config.storage.kind !== 'azure')
    problems.push('storage.kind: the pipeline reads the lake from ADLS (azure)');
  if (
    problems.length > 0 ||
    config.registry.kind !== 'azureml' ||
    config.compute?.engine !== 'aml' ||
    !config.compute.image ||
    config.storage.kind !== 'azure'
  )
    throw new ConfigError(source, problems);
  const workspace = workspaceFor(config.registry, stage === 'score' ? 'prod' : 'dev');
  const client = createAmlClient(workspace.subscriptionId, options);
  const image = pinnedRuntimeImage(
    config.compute.image,
    options.codeVersion ?? codeVersion(),
    `${source}: compute.image`,
  );
  const environmentId = await ensureEnvironment({ ...options, workspace, client, image });
  return armPipelineService({
    ...options,
    workspace,
    client,
    lake: options.lake,
    // The code snapshot goes through `lake`, the dataset's folder of the container: its URL names that folder.
    lakeUrl: urlUnderPrefix(
      `${config.storage.accountUrl.replace(/\/$/, '')}/${config.storage.container}`,
      lakePrefixOf(config.storage),
    ),
    environmentId,
    compute: config.compute.cluster,
    tags: { ...options.tags, 'mm.environment': options.env },
  });
}
