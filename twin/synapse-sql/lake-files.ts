import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import { LakeDenied, type ViewFiles } from './duck-select.ts';

/**
 * OPENROWSET's files, read from the twin's lakes the way serverless SQL reads a data source without a credential:
 * as the caller ("Control storage account access for serverless SQL pool", user identity / pass-through,
 * https://learn.microsoft.com/azure/synapse-analytics/sql/develop-storage-files-storage-access-control), so the
 * lake's role check decides, and a caller without Storage Blob Data Reader gets 13807.
 * The BULK path is relative to the data source LOCATION; each `*` matches within one folder level and
 * `filepath(n)` is the text the n-th wildcard matched
 * (https://learn.microsoft.com/azure/synapse-analytics/sql/query-specific-files#filepath).
 */
export function lakeViewFiles(options: {
  /** The twin's endpoint for a lake account name (the HNS proxy). */
  accountUrl: (account: string) => string | undefined;
  credentialFor: (sid: string) => TokenCredential;
  workDir: string;
}): ViewFiles {
  return async ({ location, bulk, filepath, sid }) => {
    const url = new URL(location);
    const match = /^([a-z0-9]+)\.(dfs|blob)\.core\.windows\.net$/.exec(url.hostname);
    const endpoint = match ? options.accountUrl(match[1]!) : undefined;
    const [container, ...prefixParts] = url.pathname.split('/').filter(Boolean);
    if (!endpoint || !container) throw new LakeDenied(location, `no storage account behind ${location}`);
    const pattern = [...prefixParts, ...bulk.split('/').filter(Boolean)].join('/');
    const regex = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('([^/]*)')}$`,
    );
    const listPrefix = pattern.slice(0, pattern.indexOf('*') < 0 ? pattern.length : pattern.indexOf('*'));
    const client = new ContainerClient(
      `${endpoint.replace(/\/$/, '')}/${container}`,
      options.credentialFor(sid),
      {
        retryOptions: { maxTries: 1 },
      },
    );
    const names: string[] = [];
    try {
      for await (const blob of client.listBlobsFlat({ prefix: listPrefix, includeMetadata: true })) {
        if (blob.metadata?.hdi_isfolder === 'true') continue; // an HNS directory entry, not a file
        const m = regex.exec(blob.name);
        if (!m) continue;
        if (filepath.every((f) => m[f.index] === f.value)) names.push(blob.name);
      }
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 403)
        throw new LakeDenied(`${location}/${bulk}`, String(error));
      throw error;
    }
    const dir = path.join(options.workDir, randomUUID());
    const local: string[] = [];
    for (const name of names.sort()) {
      const file = path.join(dir, ...name.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      try {
        await client.getBlobClient(name).downloadToFile(file);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 403)
          throw new LakeDenied(`${location}/${bulk}`, String(error));
        throw error;
      }
      local.push(file);
    }
    return local;
  };
}
