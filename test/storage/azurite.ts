import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

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
  const bin = path.resolve('node_modules/.bin/azurite-blob');
  const child: ChildProcess = spawn(
    bin,
    [
      '--silent',
      '--inMemoryPersistence',
      '--extentMemoryLimit',
      String(options.memoryLimitMiB ?? 256),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}: ${out}`));
    });
  });
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
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
