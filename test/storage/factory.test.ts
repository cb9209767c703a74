import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { configSchema } from '../../src/config/schema.ts';
import { AzureBlobStore } from '../../src/storage/azure-blob-store.ts';
import { blobStoreFor } from '../../src/storage/factory.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';

const base = {
  dataset: { path: 'x.csv', partitionBy: ['Store'], time: 'Week', target: 'Qty', frequency: 'W' },
  forecast: { horizon: 4, holdout: 4 },
};

describe('blobStoreFor', () => {
  it('gives a folder store for storage.kind local, rooted against the project root', () => {
    const config = configSchema.parse({ ...base, storage: { kind: 'local', root: '.mm/local' } });
    const store = blobStoreFor(config, { projectRoot: '/srv/project' });
    expect(store).toBeInstanceOf(FsBlobStore);
    expect(store.location).toBe(path.resolve('/srv/project/.mm/local'));
  });

  it("gives the ADLS store for storage.kind azure, on the configured container (default 'lake')", () => {
    const config = configSchema.parse({
      ...base,
      storage: { kind: 'azure', accountUrl: 'https://mmdevlake.blob.core.windows.net' },
    });
    const store = blobStoreFor(config, { credential: staticTokenCredential() });
    expect(store).toBeInstanceOf(AzureBlobStore);
    expect(store.location).toBe('https://mmdevlake.blob.core.windows.net/lake');
    expect((store as AzureBlobStore).account).toBe('mmdevlake');
  });

  it('rejects a container name Azure would refuse, naming the key', () => {
    const result = configSchema.safeParse({
      ...base,
      storage: { kind: 'azure', accountUrl: 'https://mmdevlake.blob.core.windows.net', container: 'Lake_1' },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['storage', 'container']);
  });
});
