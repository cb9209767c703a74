import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Azurite (the Azure Storage emulator, from npm) holding several accounts (AZURITE_ACCOUNTS), over HTTPS with its
 * basic OAuth mode, so bearer tokens reach it as they reach Azure Storage. In memory: nothing is left behind.
 * Only the HNS proxy in front of it talks to it.
 */
export interface AzuriteProcess {
  /** e.g. https://127.0.0.1:41234 (accounts are path segments: /mmdevlake/...) */
  url: string;
  stop(): Promise<void>;
}

export async function startAzuriteHttps(options: {
  accounts: string[];
  tls: { key: string; cert: string };
  repoRoot?: string;
}): Promise<AzuriteProcess> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mm-azurite-'));
  await writeFile(path.join(dir, 'key.pem'), options.tls.key);
  await writeFile(path.join(dir, 'cert.pem'), options.tls.cert);
  // Account keys are required by the variable's format; nothing signs with them (all requests carry tokens).
  const key = Buffer.from('twin-account-key-not-used-for-signing').toString('base64');
  const bin = path.resolve(options.repoRoot ?? '.', 'node_modules/.bin/azurite-blob');
  const child: ChildProcess = spawn(
    bin,
    [
      '--silent',
      '--inMemoryPersistence',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
      '--oauth',
      'basic',
      '--cert',
      path.join(dir, 'cert.pem'),
      '--key',
      path.join(dir, 'key.pem'),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AZURITE_ACCOUNTS: options.accounts.map((a) => `${a}:${key}`).join(';') },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listens on https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
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
  return {
    url: `https://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
