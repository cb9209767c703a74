import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { imageInfo } from '../../scripts/images/buildah.ts';
import { defaultStore, storeArgs } from '../../scripts/images/store.ts';

const NULL_USER = '00000000-0000-0000-0000-000000000000';

/**
 * `buildah pull` of `<registry>.azurecr.io/<repository>:<tag>` through the twin's network with an ACR refresh
 * token, as a compute node pulls its job's environment image with the cluster's identity (AcrPull). Returns the
 * local name and the manifest digest; throws with buildah's message when the registry refuses or lacks it.
 */
export async function pullImage(
  ref: string,
  options: { refreshToken: string; caFile: string; proxy: string },
): Promise<{ image: string; digest: string }> {
  const store = defaultStore();
  const certs = mkdtempSync(path.join(tmpdir(), 'mm-pull-certs-'));
  try {
    writeFileSync(path.join(certs, 'ca.crt'), readFileSync(options.caFile));
    const pulled = await execa(
      'buildah',
      [
        ...storeArgs(store),
        'pull',
        '--quiet',
        // From the registry every time, as a fresh node pulls it: a copy left in this store proves nothing.
        '--policy',
        'always',
        '--creds',
        `${NULL_USER}:${options.refreshToken}`,
        '--cert-dir',
        certs,
        `docker://${ref}`,
      ],
      {
        reject: false,
        stdin: 'ignore',
        all: true,
        env: { ...process.env, HTTPS_PROXY: options.proxy, NO_PROXY: '' },
      },
    );
    if (pulled.exitCode !== 0)
      throw new Error(`cannot pull ${ref}: ${String(pulled.all).trim().split('\n').slice(-3).join(' ')}`);
    const info = await imageInfo(ref, { store });
    if (!info) throw new Error(`pulled ${ref}, but the store does not have it`);
    return { image: ref, digest: info.digest };
  } finally {
    rmSync(certs, { recursive: true, force: true });
  }
}
