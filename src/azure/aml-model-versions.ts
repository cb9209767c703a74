import type {
  ModelVersion as AmlModelVersion,
  AzureMachineLearningWorkspaces,
  ModelVersion,
} from '@azure/arm-machinelearning';
import { isModelName } from '../core/model-name.ts';
import { RegistryError } from '../registry/types.ts';
import { type AmlClientOptions, type AmlWorkspaceRef, callOptions, workspaceLabel } from './aml-client.ts';
import { type AzureCallContext, azureCall, isNotFound } from './errors.ts';

const ROLE = 'AzureML Data Scientist';
/** Archived versions skipped at most when looking for a model's live version. */
const MAX_ARCHIVED_SKIPPED = 20;

/**
 * A workspace's model containers and versions over ARM: the reads and the one write registration needs, each
 * bounded and explained (`azureCall`), with the role a 403 is missing named.
 */
export class AmlModelVersions {
  readonly #client: AzureMachineLearningWorkspaces;
  readonly #workspace: AmlWorkspaceRef;
  readonly #options: AmlClientOptions;
  readonly #location: string;

  constructor(client: AzureMachineLearningWorkspaces, workspace: AmlWorkspaceRef, options: AmlClientOptions) {
    this.#client = client;
    this.#workspace = workspace;
    this.#options = options;
    this.#location = workspaceLabel(workspace);
  }

  #ctx(operation: string, name?: string): AzureCallContext {
    return {
      service: 'arm',
      resource: name ? `model ${name} in ${this.#location}` : this.#location,
      operation,
      role: ROLE,
      scope: this.#location,
      timeoutMs: this.#options.operationTimeoutMs ?? 300_000,
    };
  }

  /**
   * The newest version number, and the newest version that is not archived (`isArchived`, set when a version is
   * withdrawn, e.g. by the pipeline's ArchiveRejected stage): readers and promotion see the live one. `missing`
   * runs when the model does not exist, to tell a missing workspace (also a 404) from a missing model.
   */
  async live(
    name: string,
    missing: () => Promise<unknown>,
    signal?: AbortSignal,
  ): Promise<{ top: number; resource: AmlModelVersion | undefined }> {
    if (!isModelName(name)) throw new RegistryError(`'${name}' is not a model name (mm-<slug>-<12 hex>)`);
    const { resourceGroup, workspace } = this.#workspace;
    const container = await azureCall(this.#ctx('read model', name), async () => {
      try {
        return await this.#client.modelContainers.get(
          resourceGroup,
          workspace,
          name,
          callOptions(this.#options, signal),
        );
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
    if (!container) await missing();
    const top = Number(container?.properties.latestVersion ?? 0);
    for (let version = top; version >= 1 && version > top - MAX_ARCHIVED_SKIPPED; version--) {
      const resource = await this.get(name, String(version), signal);
      if (resource && !resource.properties.isArchived) return { top, resource };
    }
    return { top, resource: undefined };
  }

  async get(name: string, version: string, signal?: AbortSignal): Promise<AmlModelVersion | undefined> {
    const { resourceGroup, workspace } = this.#workspace;
    return azureCall(this.#ctx(`read version ${version}`, name), async () => {
      try {
        return await this.#client.modelVersions.get(
          resourceGroup,
          workspace,
          name,
          version,
          callOptions(this.#options, signal),
        );
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  /** One ARM write; the first version's PUT creates the model container (as azure-ai-ml relies on). */
  async put(
    name: string,
    version: number,
    body: ModelVersion,
    signal?: AbortSignal,
  ): Promise<AmlModelVersion> {
    const { resourceGroup, workspace } = this.#workspace;
    return azureCall(this.#ctx(`register version ${version}`, name), () =>
      this.#client.modelVersions.createOrUpdate(
        resourceGroup,
        workspace,
        name,
        String(version),
        body,
        callOptions(this.#options, signal),
      ),
    );
  }

  /** Every model's name and latest version number, paging through the workspace. */
  async listLatest(): Promise<{ name: string; latest: string }[]> {
    const { resourceGroup, workspace } = this.#workspace;
    const names: { name: string; latest: string }[] = [];
    const pages = this.#client.modelContainers
      .list(resourceGroup, workspace, callOptions(this.#options))
      .byPage();
    while (true) {
      const page = await azureCall(this.#ctx('list models'), () => pages.next());
      if (page.done) break;
      for (const container of page.value) {
        const latest = container.properties.latestVersion;
        if (container.name && isModelName(container.name) && latest)
          names.push({ name: container.name, latest });
      }
    }
    return names.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}
