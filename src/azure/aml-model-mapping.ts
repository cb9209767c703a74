import { createHash } from 'node:crypto';
import type { ModelVersion as AmlModelVersion } from '@azure/arm-machinelearning';
import type { ModelVersion } from '../registry/types.ts';
import type { AmlWorkspaceRef } from './aml-client.ts';

/**
 * How a many-models version maps onto an Azure ML model version: the model (container) is the partition's
 * deterministic name, versions are 1, 2, 3...; tags are mutable metadata (raw key, metrics, run id, promotion
 * evidence); properties are immutable facts about the artifact (its size and SHA-256), so a loaded artifact can
 * be checked against what was registered.
 */
export const PROP = {
  size: 'mm.artifact.size',
  sha256: 'mm.artifact.sha256',
  schema: 'mm.artifact.schema',
  /** Where the artifact starts inside a model pack (its length is the size); absent: the whole blob. */
  offset: 'mm.artifact.offset',
} as const;

export const MODEL_TYPE = 'custom_model';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The artifact of a version registered before model packs: one blob per version. Content-addressed, so two
 * writers never overwrite each other's artifact and a re-upload is a no-op.
 */
export function artifactKey(prefix: string, name: string, sha256: string): string {
  return `${prefix}/${name}/${sha256.slice(0, 16)}.json`;
}

/**
 * A model pack: the artifacts one registration writes, one JSON line each, in one blob. Content-addressed like
 * `artifactKey` (model names start with `mm-`, so `packs/` never meets a model's folder).
 */
export function packKey(prefix: string, sha256: string): string {
  return `${prefix}/packs/${sha256.slice(0, 16)}.jsonl`;
}

/** The long-form datastore URI Azure ML resolves without knowing the workspace from context. */
export function datastoreUri(ref: AmlWorkspaceRef, datastore: string, key: string): string {
  return (
    `azureml://subscriptions/${ref.subscriptionId}/resourcegroups/${ref.resourceGroup}` +
    `/workspaces/${ref.workspace}/datastores/${datastore}/paths/${key}`
  );
}

/** The datastore and the path inside it from a model URI written by `datastoreUri` (or the short form). */
export function parseDatastoreUri(uri: string): { datastore: string; key: string } | undefined {
  const match = /\/datastores\/([^/]+)\/paths\/(.+)$/.exec(uri);
  if (!match?.[1] || !match[2]) return undefined;
  return { datastore: match[1], key: match[2] };
}

export function versionBody(
  tags: Record<string, string>,
  artifact: { uri: string; size: number; sha256: string; offset?: number | undefined },
  description: string,
): AmlModelVersion {
  return {
    properties: {
      description,
      tags: { ...tags },
      properties: {
        [PROP.size]: String(artifact.size),
        [PROP.sha256]: artifact.sha256,
        [PROP.schema]: '1',
        ...(artifact.offset === undefined ? {} : { [PROP.offset]: String(artifact.offset) }),
      },
      isAnonymous: false,
      modelType: MODEL_TYPE,
      modelUri: artifact.uri,
    },
  };
}

function strings(record: Record<string, string | null> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) if (typeof value === 'string') out[key] = value;
  return out;
}

export function toModelVersion(name: string, resource: AmlModelVersion): ModelVersion {
  const version = Number(resource.name);
  const created = resource.systemData?.createdAt;
  return {
    name,
    version,
    tags: strings(resource.properties.tags),
    registeredAt: created instanceof Date ? created.toISOString() : String(created ?? ''),
    size: Number(resource.properties.properties?.[PROP.size] ?? 0),
  };
}

export interface ArtifactFacts {
  uri?: string;
  sha256?: string;
  /** Byte offset inside a model pack, with the size its length; undefined for a one-blob artifact. */
  offset?: number;
  size: number;
}

export function artifactFacts(resource: AmlModelVersion): ArtifactFacts {
  const offset = resource.properties.properties?.[PROP.offset];
  return {
    uri: resource.properties.modelUri,
    sha256: resource.properties.properties?.[PROP.sha256] ?? undefined,
    ...(offset === undefined || offset === null ? {} : { offset: Number(offset) }),
    size: Number(resource.properties.properties?.[PROP.size] ?? 0),
  };
}
