import { createHash } from 'node:crypto';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import {
  type AmlClientOptions,
  type AmlWorkspaceRef,
  armId,
  callOptions,
  createAmlClient,
  workspaceLabel,
} from './aml-client.ts';
import { azureCall } from './errors.ts';

export interface JobTarget extends AmlClientOptions {
  workspace: AmlWorkspaceRef;
  /** A client shared between calls (tests inject one pointed at the spec server). */
  client?: AzureMachineLearningWorkspaces;
}

const ROLE = 'AzureML Data Scientist';

function clientOf(target: JobTarget): AzureMachineLearningWorkspaces {
  return target.client ?? createAmlClient(target.workspace.subscriptionId, target);
}

/**
 * Registers the runtime image as an environment version (idempotent: the version is derived from the image
 * reference, so the same image always maps to the same version) and returns its ARM id, which every step of a submitted pipeline runs in.
 */
export async function ensureEnvironment(
  target: JobTarget & { image: string; name?: string },
): Promise<string> {
  const name = target.name ?? 'mm-runtime';
  const version = `i${createHash('sha256').update(target.image).digest('hex').slice(0, 12)}`;
  const ref = target.workspace;
  await azureCall(
    {
      service: 'arm',
      resource: `environment ${name} in ${workspaceLabel(ref)}`,
      operation: 'register image',
      role: ROLE,
    },
    () =>
      clientOf(target).environmentVersions.createOrUpdate(
        ref.resourceGroup,
        ref.workspace,
        name,
        version,
        { properties: { description: 'many-models runtime image', image: target.image, isAnonymous: false } },
        callOptions(target),
      ),
  );
  return armId(ref, 'environments', name, 'versions', version);
}
