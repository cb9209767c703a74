import type { ModelRegistry, ModelVersion, RegisterRequest } from '../registry/types.ts';
import { RegistryError } from '../registry/types.ts';
import { mapLimit } from '../util/map-limit.ts';

/** Lineage tags a promoted copy carries: where it came from, so prod can always be traced back to dev. */
export const LINEAGE_TAG = {
  sourceRegistry: 'mm.source.registry',
  sourceStage: 'mm.source.stage',
  sourceVersion: 'mm.source.version',
  promotedAt: 'mm.promoted.at',
} as const;

export interface PromotionItem {
  name: string;
  /** The dev version that passed the rules; default: the latest. */
  version?: number;
  /** Promotion evidence (`tagsFromEvidence`) and anything else the prod version must carry. */
  tags: Record<string, string>;
}

export interface PromoteOptions {
  source: ModelRegistry;
  target: ModelRegistry;
  items: readonly PromotionItem[];
  /** Reads from the source at once. */
  concurrency?: number;
  /** Skips items whose target latest already carries the same value of this tag; default: the source version. */
  idempotencyTag?: string;
  signal?: AbortSignal;
  now?: () => Date;
}

function labelOf(registry: ModelRegistry): string {
  const location = (registry as { location?: unknown }).location;
  return typeof location === 'string' ? location : registry.stage;
}

/**
 * Copies approved models from one registry to another (dev workspace -> prod workspace): each artifact is read from
 * the source (its datastore), then re-registered in the target in one bulk call, with the promotion tags plus
 * lineage. Works for any pair of registries (two workspaces, or two local folders), so the step is the same
 * locally and on Azure.
 */
export async function promoteAcross(options: PromoteOptions): Promise<ModelVersion[]> {
  const when = (options.now ?? (() => new Date()))().toISOString();
  const source = labelOf(options.source);
  const requests = await mapLimit(
    options.items,
    options.concurrency ?? 8,
    async (item): Promise<RegisterRequest> => {
      const loaded = await options.source.load(item.name, item.version);
      if (!loaded) {
        const which = item.version === undefined ? 'any version' : `version ${item.version}`;
        throw new RegistryError(`cannot promote ${item.name}: ${source} has no ${which} of it`);
      }
      return {
        artifact: loaded.artifact,
        tags: {
          ...loaded.version.tags,
          ...item.tags,
          'mm.stage': options.target.stage,
          [LINEAGE_TAG.sourceRegistry]: source,
          [LINEAGE_TAG.sourceStage]: options.source.stage,
          [LINEAGE_TAG.sourceVersion]: String(loaded.version.version),
          [LINEAGE_TAG.promotedAt]: when,
        },
      };
    },
    { abortSignal: options.signal },
  );
  return options.target.registerMany(requests, {
    idempotencyTag: options.idempotencyTag ?? LINEAGE_TAG.sourceVersion,
    signal: options.signal,
  });
}
