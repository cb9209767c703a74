// The two images of this repository, built here from their real Dockerfiles on the local base image.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureBaseImage } from './base-image.ts';
import { buildImage, type ImageInfo, imageInfo, type Mount } from './buildah.ts';
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

/** The label that records what an image was built from: see `ensureAppImage`. */
export const SOURCE_LABEL = 'io.many-models.build-source';

/** Builds `pipelines/Dockerfile` or `Dockerfile.serve` FROM the local base image; returns the tag. */
export async function buildAppImage(which: AppImage, options: BuildAppImageOptions = {}): Promise<string> {
  const store = options.store ?? defaultStore();
  const base = await ensureBaseImage({ store, log: options.log, abortSignal: options.abortSignal });
  const { dockerfile, tag: defaultTag } = APP_IMAGES[which];
  const tag = options.tag ?? defaultTag;
  const context = options.context ?? ROOT;
  const source = await buildSource(which, context, base, store);
  options.log?.(`image: building ${tag} from ${dockerfile}`);
  await buildImage({
    dockerfile: path.join(context, dockerfile),
    context,
    tag,
    buildArgs: { BASE_IMAGE: base, RUNTIME_BASE_IMAGE: base },
    labels: { [SOURCE_LABEL]: source },
    buildVolumes: buildVolumes(store),
    store,
    abortSignal: options.abortSignal,
    onLine: options.buildLog,
  });
  return tag;
}

/**
 * The image built from exactly this checkout: the one in the store when its label says it was built from the same
 * Dockerfile, build context and base image, else a new build. So `npm run test:images` builds the runtime image
 * once and the rehearsal's cluster nodes run that same image (on CI both run in one `.ci/run`).
 */
export async function ensureAppImage(
  which: AppImage,
  options: BuildAppImageOptions = {},
): Promise<{ tag: string } & ImageInfo> {
  const store = options.store ?? defaultStore();
  const tag = options.tag ?? APP_IMAGES[which].tag;
  const base = await ensureBaseImage({ store, log: options.log, abortSignal: options.abortSignal });
  const source = await buildSource(which, options.context ?? ROOT, base, store);
  const existing = await imageInfo(tag, { store });
  if (existing?.labels[SOURCE_LABEL] === source) {
    options.log?.(`image: ${tag} is up to date (${existing.digest})`);
    return { tag, ...existing };
  }
  await buildAppImage(which, { ...options, store, tag });
  const built = await imageInfo(tag, { store });
  if (!built) throw new Error(`image ${tag} was built but the store does not have it`);
  return { tag, ...built };
}

/** sha256 over the Dockerfile, every file of the build context and the base image's id. */
async function buildSource(
  which: AppImage,
  context: string,
  base: string,
  store: ImageStore,
): Promise<string> {
  const hash = createHash('sha256');
  const dockerfile = APP_IMAGES[which].dockerfile;
  hash.update(`dockerfile ${dockerfile}\0`).update(readFileSync(path.join(context, dockerfile)));
  for (const file of contextFiles(context)) {
    hash.update(`\0file ${file}\0`).update(readFileSync(path.join(context, file)));
  }
  hash.update(`\0base ${(await imageInfo(base, { store }))?.id ?? base}`);
  return hash.digest('hex');
}

/**
 * The files of the build context, from `.dockerignore`, which this repository writes as an allow-list: `*` and then
 * `!<file>` or `!<folder>/**` lines. Anything else in it is refused rather than guessed at.
 */
export function contextFiles(context: string): string[] {
  const lines = readFileSync(path.join(context, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines[0] !== '*') throw new Error(`.dockerignore in ${context} must start with '*' (an allow-list)`);
  const files = new Set<string>();
  for (const line of lines.slice(1)) {
    const match = /^!([^*?[\]]+?)(\/\*\*)?$/.exec(line);
    if (!match) throw new Error(`.dockerignore line '${line}' is not '!<path>' or '!<folder>/**'`);
    const target = path.join(context, match[1]!);
    if (!existsSync(target)) continue;
    if (statSync(target).isDirectory()) {
      for (const entry of readdirSync(target, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) files.add(path.relative(context, path.join(entry.parentPath, entry.name)));
      }
    } else files.add(match[1]!);
  }
  return [...files].sort();
}

/**
 * What the build's RUN steps borrow from this machine, never kept in the image: its CA bundle (egress may
 * re-sign TLS) through a global npmrc, and an npm cache so a rebuild does not download every package again.
 */
export function buildVolumes(store: ImageStore): Mount[] {
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
