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

/** A condition allowing the write actions only on blobs whose path starts with one of `prefixes`. */
export function writesOnlyUnder(prefixes: readonly string[]): string {
  if (prefixes.length === 0) throw new Error('a write condition needs at least one path prefix');
  for (const prefix of prefixes) {
    if (!PREFIX.test(prefix))
      throw new Error(`path prefix '${prefix}' must be a lake folder like 'predictions/'`);
  }
  const notWriting = WRITE_ACTIONS.map((action) => `!(ActionMatches{'${action}'})`).join(' AND ');
  const path = '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]';
  const allowed = prefixes.map((prefix) => `${path} StringStartsWith '${prefix}'`).join(' OR ');
  return `((${notWriting}) OR (${allowed}))`;
}

/** The prefixes a condition built by writesOnlyUnder allows writes under (for tests and the docs table). */
export function writablePrefixes(condition: string): string[] {
  return [...condition.matchAll(/StringStartsWith '([^']+)'/g)].map((m) => m[1]!);
}
