import { ensureAppImage } from '../../scripts/images/app-images.ts';
import { buildahUnavailable } from '../../scripts/images/buildah.ts';
import { registryUnavailable } from '../acr/registry-process.ts';

/**
 * Whether the twin can run its container registries, so that the Image stages are rehearsed (`az acr build` on
 * buildah, pushed to the twin's ACR) and the cluster jobs run the image those pushed. Required under CI.
 */
export async function rehearsalRegistries(log: (line: string) => void): Promise<boolean> {
  const missing = (await buildahUnavailable()) ?? registryUnavailable();
  if (!missing) return true;
  if (process.env.CI)
    throw new Error(`the rehearsal's Image stages need the twin's registries under CI, but ${missing}`);
  log(`the Image stages are not rehearsed: ${missing}`);
  return false;
}

/**
 * The image the rehearsal's cluster nodes run: the runtime image of this checkout (pipelines/Dockerfile on the
 * local base image), reused from the image store when `npm run test:images` already built it from the same sources.
 * Under CI the image is required; elsewhere, without buildah, the nodes run on this host and the reason is said.
 */
export async function rehearsalNodeImage(
  log: (line: string) => void,
): Promise<{ image: string; digest: string } | undefined> {
  const missing = await buildahUnavailable();
  if (missing) {
    if (process.env.CI)
      throw new Error(`the rehearsal's cluster nodes run in the runtime image under CI, but ${missing}`);
    log(`cluster nodes run on this host, not in the runtime image: ${missing}`);
    return undefined;
  }
  const built = await ensureAppImage('runtime', { log: (line) => log(`   ${line}`) });
  return { image: built.tag, digest: built.digest };
}
