// Pipeline entry point (ml.yml, stage Image): the runtime image of this commit in the environment's container
// registry, built by ACR Tasks (`az acr build`, pipelines/Dockerfile) unless that tag is already there, and its
// pinned Azure ML environment version in the dev workspace, where the training jobs run.
//   node .azure-pipelines/scripts/runtime-image.ts --env dev [--config configs/demo.yaml]
// The tag is the code version (MM_CODE_VERSION, which ml.yml sets to the commit): the nodes run the code that
// submitted them, and `mm train`/`mm score` on the cluster register and use exactly this image (src/azure/pipeline-target.ts).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { AmlClientOptions } from '../../src/azure/aml-client.ts';
import { workspaceFor } from '../../src/azure/aml-registry-for.ts';
import { ensureEnvironment } from '../../src/azure/environment-version.ts';
import { pinnedRuntimeImage } from '../../src/azure/runtime-image.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { exitCodeOf } from '../../src/core/errors.ts';
import { codeVersion } from '../../src/util/code-version.ts';

export interface AzResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the Azure CLI (signed in by the pipeline's service connection); tests pass a stand-in. */
export type Az = (args: string[]) => Promise<AzResult>;

export interface RuntimeImageOptions extends AmlClientOptions {
  env: string;
  configPath: string;
  /** Repository root: the build context and where environments/ is read. */
  projectRoot?: string;
  codeVersion?: string;
  /** Build the image only; its environment version is registered by whoever submits (ImageProd in ml.yml). */
  imageOnly?: boolean;
  az?: Az;
  log?: (line: string) => void;
}

export interface RuntimeImageResult {
  image: string;
  built: boolean;
  /** ARM id of the pinned environment version the cluster jobs use. */
  environmentId?: string;
}

const ACR = /^([a-z0-9]{5,50})\.azurecr\.io\/([a-z0-9._/-]+):([\w.-]+)$/;

const realAz: Az = async (args) => {
  const result = await execa('az', args, {
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  return {
    exitCode: result.exitCode ?? 1,
    stdout: String(result.stdout),
    stderr: String(result.stderr ?? ''),
  };
};

export async function publishRuntimeImage(options: RuntimeImageOptions): Promise<RuntimeImageResult> {
  const projectRoot = path.resolve(options.projectRoot ?? process.cwd());
  const source = `environments/${options.env}.yaml`;
  const config = loadConfig({ configPath: options.configPath, env: options.env, projectRoot });
  if (config.compute?.engine !== 'aml' || !config.compute.image || config.registry.kind !== 'azureml') {
    throw new ConfigError(source, [
      'compute.image and an azureml registry are needed to build the runtime image (infra/scripts/write-environment.ts writes both)',
    ]);
  }
  const image = pinnedRuntimeImage(config.compute.image, options.codeVersion ?? codeVersion(), source);
  const parts = ACR.exec(image);
  if (!parts) {
    throw new ConfigError(source, [
      `compute.image: '${image}' is not an image in an Azure container registry`,
    ]);
  }
  const [, registry, repository, tag] = parts as unknown as [string, string, string, string];
  const az = options.az ?? realAz;
  const log = options.log ?? (() => undefined);
  const shown = await az([
    'acr',
    'repository',
    'show',
    '--name',
    registry,
    '--image',
    `${repository}:${tag}`,
  ]);
  const built = shown.exitCode !== 0;
  if (built) {
    log(`runtime image: building ${image} with ACR Tasks from pipelines/Dockerfile`);
    const build = await az([
      'acr',
      'build',
      '--registry',
      registry,
      '--image',
      `${repository}:${tag}`,
      '--file',
      path.join(projectRoot, 'pipelines/Dockerfile'),
      '--build-arg',
      `CODE_VERSION=${tag}`,
      '--platform',
      'linux/amd64',
      projectRoot,
    ]);
    if (build.exitCode !== 0) throw new Error(`az acr build of ${image} failed (exit ${build.exitCode})`);
  } else {
    log(`runtime image: ${image} is already in ${registry}; not rebuilt`);
  }
  if (options.imageOnly) return { image, built };
  const environmentId = await ensureEnvironment({
    ...options,
    workspace: workspaceFor(config.registry, 'dev'),
    image,
  });
  log(`runtime image: environment version ${environmentId}`);
  return { image, built, environmentId };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: 'dev' },
      config: { type: 'string', default: 'configs/demo.yaml' },
      'image-only': { type: 'boolean', default: false },
    },
  });
  try {
    await publishRuntimeImage({
      env: values.env,
      configPath: values.config,
      imageOnly: values['image-only'],
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`runtime-image: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
