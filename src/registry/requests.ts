import { isModelName } from '../core/model-name.ts';
import { CONTENT_TAG } from './content.ts';
import { type ModelVersion, type RegisterOptions, type RegisterRequest, RegistryError } from './types.ts';

const MAX_LISTED = 5;

/**
 * Checks a bulk registration before anything is written: every artifact is named by `modelName()` and is a
 * schema-1 document, and every tag is a string. Any implementation can call it; all problems are reported at
 * once, located by request index and name.
 */
export function validateRequests(requests: readonly RegisterRequest[]): void {
  const problems: string[] = [];
  requests.forEach((request, index) => {
    const artifact = request?.artifact;
    const where = `request ${index}${typeof artifact?.name === 'string' ? ` (${artifact.name.slice(0, 80)})` : ''}`;
    if (typeof artifact !== 'object' || artifact === null) {
      problems.push(`${where}: no artifact`);
      return;
    }
    if (typeof artifact.name !== 'string' || !isModelName(artifact.name)) {
      problems.push(`${where}: artifact name is not a model name (mm-<slug>-<12 hex>)`);
    }
    if (artifact.schemaVersion !== 1) {
      problems.push(`${where}: artifact schemaVersion is ${String(artifact.schemaVersion)}, expected 1`);
    }
    if (typeof request.tags !== 'object' || request.tags === null) {
      problems.push(`${where}: tags must be an object of strings`);
      return;
    }
    for (const [key, value] of Object.entries(request.tags)) {
      if (key === '' || typeof value !== 'string') {
        problems.push(`${where}: tag '${key}' must be a non-empty key with a string value`);
      }
    }
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
    if (problems.length > MAX_LISTED) shown.push(`  - ... and ${problems.length - MAX_LISTED} more`);
    throw new RegistryError(
      `nothing was registered; ${problems.length} invalid request(s):\n${shown.join('\n')}`,
    );
  }
}

/** Request indexes by model name, in first-seen order: one model's versions are registered in request order. */
export function indexesByName(requests: readonly RegisterRequest[]): Map<string, number[]> {
  const byName = new Map<string, number[]>();
  requests.forEach((request, index) => {
    const indexes = byName.get(request.artifact.name);
    if (indexes) indexes.push(index);
    else byName.set(request.artifact.name, [index]);
  });
  return byName;
}

/**
 * Whether the latest version already is what a request would register: it carries the request's idempotency tag
 * value (the same registration, re-run after a crash), or, with `keepUnchanged`, the same content hash (a retrain
 * that changed nothing). Either way nothing is written and the caller gets the version it already has.
 */
export function alreadyRegistered(
  current: ModelVersion,
  request: RegisterRequest,
  options: RegisterOptions,
): boolean {
  const same = (tag: string) => request.tags[tag] !== undefined && current.tags[tag] === request.tags[tag];
  const tag = options.idempotencyTag;
  return (tag !== undefined && same(tag)) || (options.keepUnchanged === true && same(CONTENT_TAG));
}
