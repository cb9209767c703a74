// The two images of this repository, built here from their real Dockerfiles on the local base image.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ensureBaseImage } from './base-image.ts';
import { buildImage, type Mount } from './buildah.ts';
import { defaultStore, type ImageStore } from './store.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export type AppImage = 'runtime' | 'serving';

/** Dockerfile and default tag of each image. */
export const APP_IMAGES: Record<AppImage, { dockerfile: string; tag: string }> = {
  runtime: { dockerfile: 'pipelines/Dockerfile', tag: 'localhost/mm-runtime:local' },
  serving: { dockerfile: 'Dockerfile.serve', tag: 'localhost/mm-serving:local' },
};

export interface BuildAppImageOptions {
  store?: ImageStore;
  tag?: string;
  /** Repository root to build from (the build context); this checkout by default. */
  context?: string;
  log?: (line: string) => void;
  /** buildah's own output, line by line. */
  buildLog?: (line: string) => void;
  abortSignal?: AbortSignal;
}

/** Builds `pipelines/Dockerfile` or `Dockerfile.serve` FROM the local base image; returns the tag. */
export async function buildAppImage(which: AppImage, options: BuildAppImageOptions = {}): Promise<string> {
  const store = options.store ?? defaultStore();
  const base = await ensureBaseImage({ store, log: options.log, abortSignal: options.abortSignal });
  const { dockerfile, tag: defaultTag } = APP_IMAGES[which];
  const tag = options.tag ?? defaultTag;
  const context = options.context ?? ROOT;
  options.log?.(`image: building ${tag} from ${dockerfile}`);
  await buildImage({
    dockerfile: path.join(context, dockerfile),
    context,
    tag,
    buildArgs: { BASE_IMAGE: base, RUNTIME_BASE_IMAGE: base },
    buildVolumes: buildVolumes(store),
    store,
    abortSignal: options.abortSignal,
    onLine: options.buildLog,
  });
  return tag;
}

/**
 * What the build's RUN steps borrow from this machine, never kept in the image: its CA bundle (egress may
 * re-sign TLS) through a global npmrc, and an npm cache so a rebuild does not download every package again.
 */
function buildVolumes(store: ImageStore): Mount[] {
  const volumes: Mount[] = [];
  const cache = path.join(path.dirname(store.root), 'npm-cache');
  mkdirSync(cache, { recursive: true });
  const npmrc = path.join(ROOT, 'scripts/images/build.npmrc');
  volumes.push({ source: cache, target: '/tmp/mm-npm-cache' });
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(ca)) volumes.push({ source: ca, target: '/tmp/mm-host-ca.crt', readOnly: true });
  volumes.push({ source: npmrc, target: '/usr/local/etc/npmrc', readOnly: true });
  return volumes;
}
