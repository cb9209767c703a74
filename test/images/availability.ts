// The image suites need buildah (Linux, root). Where it is missing they skip with the reason printed, except
// under CI, where a missing tool is a failure: CI installs buildah (.ci/run) and must run them.
import { buildahUnavailable } from '../../scripts/images/buildah.ts';

export async function imagesSkipReason(): Promise<string | undefined> {
  const reason = await buildahUnavailable();
  if (reason && process.env.CI) throw new Error(`image tests cannot run under CI: ${reason}`);
  if (reason) process.stderr.write(`image tests skipped: ${reason}\n`);
  return reason;
}
