import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AnonymousCredential,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureError } from '../../src/azure/errors.ts';
import { AzureBlobStore, accountNameOf } from '../../src/storage/azure-blob-store.ts';
import { blockId } from '../../src/storage/block-upload.ts';
import { md5Of } from '../../src/storage/local-files.ts';
import { type Azurite, startAzurite } from './azurite.ts';
import { describeBlobStoreContract } from './blob-store-contract.ts';

let azurite: Azurite;
let work: string;

beforeAll(async () => {
  azurite = await startAzurite();
  work = await mkdtemp(path.join(tmpdir(), 'mm-azure-store-'));
});
afterAll(async () => {
  await azurite?.stop();
  await rm(work, { recursive: true, force: true });
});

const KiB = 1024;

async function freshStore(options: Partial<ConstructorParameters<typeof AzureBlobStore>[0]> = {}) {
  return new AzureBlobStore({
    accountUrl: azurite.accountUrl,
    container: await azurite.container(),
    credential: azurite.credential,
    ...options,
  });
}

describeBlobStoreContract('AzureBlobStore on Azurite', () => freshStore());

describe('AzureBlobStore resumable uploads', () => {
  it('sends a large file as blocks and stores its Content-MD5', async () => {
    const store = await freshStore({ blockSize: 64 * KiB });
    const file = path.join(work, 'big-1.bin');
    const bytes = randomBytes(300 * KiB);
    await writeFile(file, bytes);
    expect(await store.uploadFile('prepared/big.bin', file)).toEqual({ staged: 5, reused: 0 });
    const props = await store.container.getBlobClient('prepared/big.bin').getProperties();
    expect(props.contentLength).toBe(bytes.length);
    expect(Buffer.from(props.contentMD5 ?? []).equals(md5Of(bytes))).toBe(true);
    const blocks = await store.container.getBlockBlobClient('prepared/big.bin').getBlockList('committed');
    expect(blocks.committedBlocks?.map((b) => b.size)).toEqual([65536, 65536, 65536, 65536, 45056]);
  });

  it('resumes an interrupted upload from the blocks Azure already holds, sending only the rest', async () => {
    const store = await freshStore({ blockSize: 64 * KiB, blockConcurrency: 1 });
    const file = path.join(work, 'big-2.bin');
    const bytes = randomBytes(320 * KiB);
    await writeFile(file, bytes);
    // The connection "dies" after two blocks have been staged.
    const interrupt = new AbortController();
    let blocks = 0;
    const onProgress = () => {
      blocks += 1;
      if (blocks === 2) interrupt.abort(new Error('connection lost'));
    };
    await expect(
      store.uploadFile('prepared/resumed.bin', file, { signal: interrupt.signal, onProgress }),
    ).rejects.toThrow('connection lost');
    expect(await store.exists('prepared/resumed.bin')).toBe(false);
    const client = store.container.getBlockBlobClient('prepared/resumed.bin');
    expect((await client.getBlockList('uncommitted')).uncommittedBlocks).toHaveLength(2);

    expect(await store.uploadFile('prepared/resumed.bin', file)).toEqual({ staged: 3, reused: 2 });
    expect(Buffer.from((await store.get('prepared/resumed.bin')) ?? []).equals(bytes)).toBe(true);
  });

  it('counts reused blocks in a folder sync and then skips the committed file', async () => {
    const store = await freshStore({ blockSize: 64 * KiB });
    const local = path.join(work, 'sync');
    await mkdir(local, { recursive: true });
    const bytes = randomBytes(200 * KiB);
    await writeFile(path.join(local, 'part.parquet'), bytes);
    // Stage the first block by hand, as an interrupted earlier run would have.
    const first = bytes.subarray(0, 64 * KiB);
    await store.container
      .getBlockBlobClient('lake/part.parquet')
      .stageBlock(blockId(0, first), first, first.length);
    const stats = await store.syncUp(local, 'lake');
    expect(stats).toMatchObject({ transferred: 1, skipped: 0, reusedBlocks: 1, bytes: bytes.length });
    expect(await store.syncUp(local, 'lake')).toMatchObject({ transferred: 0, skipped: 1 });
    const down = path.join(work, 'down');
    expect(await store.downloadDir('lake', down)).toBe(1);
    expect((await readFile(path.join(down, 'part.parquet'))).equals(bytes)).toBe(true);
  });
});

describe('AzureBlobStore errors name the resource and the fix', () => {
  it('says which role is missing on a 403 AuthorizationPermissionMismatch', async () => {
    const container = await azurite.container();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse('rl'),
        expiresOn: new Date(Date.now() + 3_600_000),
      },
      azurite.credential,
    ).toString();
    const readOnly = new AzureBlobStore({
      accountUrl: `${azurite.accountUrl}?${sas}`,
      container,
      credential: new AnonymousCredential(),
      maxTries: 1,
    });
    const error = await readOnly.put('prepared/x.parquet', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureError);
    expect((error as AzureError).message).toContain(
      'role assignment missing: Storage Blob Data Contributor on devstoreaccount1',
    );
    expect((error as AzureError).message).toContain('put prepared/x.parquet');
    expect((error as AzureError).code).toBe('AuthorizationPermissionMismatch');
    expect(await readOnly.get('prepared/x.parquet')).toBeUndefined();
  });

  it('says the container is missing', async () => {
    const store = new AzureBlobStore({
      accountUrl: azurite.accountUrl,
      container: 'no-such-lake',
      credential: azurite.credential,
    });
    await expect(store.put('a.txt', 'a')).rejects.toThrow(
      /container not found in storage account devstoreaccount1 \(container no-such-lake\)/,
    );
  });

  it('bounds every call with a timeout when the endpoint never answers', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const store = new AzureBlobStore({
        accountUrl: `http://127.0.0.1:${port}/${'devstoreaccount1'}`,
        container: 'lake',
        credential: azurite.credential,
        callTimeoutMs: 300,
        maxTries: 1,
      });
      const started = Date.now();
      await expect(store.get('a.txt')).rejects.toThrow(
        /get a\.txt on storage account devstoreaccount1 .* timed out after 0.3s/,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('says it cannot reach an endpoint that refuses connections', async () => {
    const store = new AzureBlobStore({
      accountUrl: 'http://127.0.0.1:1/devstoreaccount1',
      container: 'lake',
      credential: azurite.credential,
      maxTries: 1,
    });
    await expect(store.exists('a.txt')).rejects.toThrow(
      /cannot reach storage account devstoreaccount1.*ECONNREFUSED/,
    );
  });
});

describe('accountNameOf', () => {
  it('reads the account from an Azure endpoint or from the path on an emulator', () => {
    expect(accountNameOf('https://mmdevlake.blob.core.windows.net')).toBe('mmdevlake');
    expect(accountNameOf('http://127.0.0.1:10000/devstoreaccount1')).toBe('devstoreaccount1');
  });
});
