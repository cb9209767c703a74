/**
 * Azure ABAC role-assignment conditions that narrow a Storage Blob Data Contributor grant on a lake container to
 * writes under given path prefixes; reads stay container-wide. Syntax and actions from
 * https://learn.microsoft.com/azure/role-based-access-control/conditions-format ("Simple condition": an action
 * that does not match passes, a matching one must satisfy the expression) and
 * https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes (the blob `path` attribute, the
 * write, add, delete and move data actions; HNS accounts are supported).
 */
const WRITE_ACTIONS = [
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action',
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action',
] as const;

export const CONDITION_VERSION = '2.0';

const PREFIX = /^[a-z0-9][a-z0-9-]*\/$/;

/** Where every dataset's folder is in a lake container (src/config/namespace.ts `datasetFolder`). */
const DATASETS = 'datasets/';

/**
 * A condition allowing the write actions only on blobs under one of the lake folders `prefixes`: at the container's
 * root (a container of one dataset's own) or in any dataset's folder `datasets/<name>/` (src/lake/dataset-lake.ts).
 * StringLike's `*` matches any sequence of characters (conditions-format, "String comparison operators":
 * StringLike), so the pattern `datasets/<any>/runs/<any>` admits every dataset's runs/ folder.
 */
export function writesOnlyUnder(prefixes: readonly string[]): string {
  if (prefixes.length === 0) throw new Error('a write condition needs at least one path prefix');
  for (const prefix of prefixes) {
    if (!PREFIX.test(prefix))
      throw new Error(`path prefix '${prefix}' must be a lake folder like 'predictions/'`);
  }
  const notWriting = WRITE_ACTIONS.map((action) => `!(ActionMatches{'${action}'})`).join(' AND ');
  const path = '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]';
  const allowed = prefixes
    .map((prefix) => `${path} StringStartsWith '${prefix}' OR ${path} StringLike '${DATASETS}*/${prefix}*'`)
    .join(' OR ');
  return `((${notWriting}) OR (${allowed}))`;
}

/**
 * Whether a condition built by writesOnlyUnder admits a write to `blobPath`: the service's evaluation of its
 * StringStartsWith and StringLike terms (`*` any sequence), for the twin's RBAC.
 */
export function conditionAdmitsPath(condition: string, blobPath: string): boolean {
  for (const m of condition.matchAll(/StringStartsWith '([^']+)'/g))
    if (blobPath.startsWith(m[1]!)) return true;
  for (const m of condition.matchAll(/StringLike '([^']+)'/g)) {
    const pattern = m[1]!.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    if (new RegExp(`^${pattern.join('.*')}$`, 's').test(blobPath)) return true;
  }
  return false;
}

/** The prefixes a condition built by writesOnlyUnder allows writes under (for tests and the docs table). */
export function writablePrefixes(condition: string): string[] {
  return [...condition.matchAll(/StringStartsWith '([^']+)'/g)].map((m) => m[1]!);
}
