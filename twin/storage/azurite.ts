import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnAzurite } from './azurite-process.ts';

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
  const azurite = await spawnAzurite({
    scheme: 'https',
    repoRoot: options.repoRoot,
    args: ['--oauth', 'basic', '--cert', path.join(dir, 'cert.pem'), '--key', path.join(dir, 'key.pem')],
    env: { ...process.env, AZURITE_ACCOUNTS: options.accounts.map((a) => `${a}:${key}`).join(';') },
  });
  return {
    url: `https://127.0.0.1:${azurite.port}`,
    async stop() {
      await azurite.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
