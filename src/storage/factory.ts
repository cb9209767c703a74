import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from '../azure/credential.ts';
import type { Config } from '../config/schema.ts';
import { AzureBlobStore, type AzureBlobStoreOptions } from './azure-blob-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import { PrefixedBlobStore } from './prefixed-blob-store.ts';
import type { BlobStore } from './types.ts';

export interface BlobStoreForOptions {
  /** Injected sign-in (tests); production uses `azureCredential()` (DefaultAzureCredential and friends). */
  credential?: TokenCredential;
  /** Folder that relative local roots resolve against; defaults to the current working directory. */
  projectRoot?: string;
  /** Tuning for the Azure store (concurrency, block size, timeouts). */
  azure?: Omit<AzureBlobStoreOptions, 'accountUrl' | 'container' | 'credential'>;
}

/**
 * The lake for a configuration: a local folder (`storage.kind: local`), or the dataset's folder of the ADLS
 * container (`azure`; the whole container when the dataset config names it as its own).
 */
export function blobStoreFor(config: Pick<Config, 'storage'>, options: BlobStoreForOptions = {}): BlobStore {
  const storage = config.storage;
  if (storage.kind === 'local') {
    return new FsBlobStore(path.resolve(options.projectRoot ?? process.cwd(), storage.root));
  }
  const container = new AzureBlobStore({
    ...options.azure,
    accountUrl: storage.accountUrl,
    container: storage.container,
    credential: azureCredential({ credential: options.credential }),
  });
  return storage.prefix ? new PrefixedBlobStore(container, storage.prefix) : container;
}
