import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { spawnAzurite } from '../../twin/storage/azurite-process.ts';

/** Azurite's documented development account; the emulator accepts nothing else. Never used against Azure. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  accountUrl: string;
  credential: StorageSharedKeyCredential;
  service: BlobServiceClient;
  /** Creates a fresh container and returns its name. */
  container(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

/** Starts the Azure Storage emulator on a free port (in memory, so nothing is left behind). */
export async function startAzurite(options: { memoryLimitMiB?: number } = {}): Promise<Azurite> {
  const azurite = await spawnAzurite({
    args: ['--extentMemoryLimit', String(options.memoryLimitMiB ?? 256)],
  });
  const port = azurite.port;
  const accountUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const service = new BlobServiceClient(accountUrl, credential);
  return {
    accountUrl,
    credential,
    service,
    async container(prefix = 'lake') {
      counter += 1;
      const name = `${prefix}-${process.pid}-${counter}`;
      await service.createContainer(name);
      return name;
    },
    stop: azurite.stop,
  };
}
