// Build container images on a machine without a Docker engine, with Debian's buildah (chroot isolation: no
// runc/crun namespaces needed) into the store of store.ts. containers.ts runs them; see docs/images.md.
import { execa } from 'execa';
import { buildLock, defaultStore, type ImageStore, storeArgs } from './store.ts';

/** Why buildah cannot be used here, or undefined when it can. */
export async function buildahUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `buildah needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'buildah with chroot isolation and a root-owned store needs root here';
  const found = await execa('buildah', ['--version'], { reject: false });
  if (found.exitCode !== 0) return 'buildah is not installed (apt-get install buildah)';
  return undefined;
}

/** An execa line transform that shows each line to `onLine` and keeps it in the result. */
function tap(onLine: (line: string) => void) {
  return function* (line: string) {
    onLine(line);
    yield line;
  };
}

/** Runs buildah against the store; throws with buildah's own message on failure. */
export async function buildah(
  args: string[],
  options: {
    store?: ImageStore;
    abortSignal?: AbortSignal;
    locked?: boolean;
    /** Each line buildah writes (a build's steps), as it writes it. */
    onLine?: (line: string) => void;
  } = {},
): Promise<string> {
  const store = options.store ?? defaultStore();
  const onLine = options.onLine;
  const full = [...storeArgs(store), ...args];
  const [file, argv] = options.locked ? ['flock', [buildLock(store), 'buildah', ...full]] : ['buildah', full];
  const result = await execa(file, argv, {
    reject: false,
    cancelSignal: options.abortSignal,
    stdin: 'ignore',
    maxBuffer: 64 * 1024 * 1024,
    ...(onLine ? { stdout: tap(onLine), stderr: tap(onLine) } : {}),
  });
  if (result.exitCode !== 0 || result.isCanceled) {
    const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`buildah ${args[0]} failed (exit ${result.exitCode}):\n${tail}`);
  }
  return result.stdout.trim();
}

export interface BuildImageOptions {
  /** Dockerfile path (absolute, or relative to the context). */
  dockerfile: string;
  /** Build context directory; `.dockerignore` at its root applies. */
  context: string;
  /** Tag to give the image, e.g. `localhost/mm-runtime:test`. */
  tag: string;
  buildArgs?: Record<string, string>;
  /** Image labels (`LABEL`s added at build time), e.g. what the image was built from. */
  labels?: Record<string, string>;
  /** Bind mounts for RUN instructions only (never in the image), e.g. a CA bundle or an npm cache. */
  buildVolumes?: Mount[];
  store?: ImageStore;
  abortSignal?: AbortSignal;
  /** Build output, line by line (STEP 3/12: ...). */
  onLine?: (line: string) => void;
}

/** `buildah bud` with vfs storage and chroot isolation; one build per store at a time. Returns the image id. */
export async function buildImage(options: BuildImageOptions): Promise<string> {
  // --layers: each step's result is cached in the store, so a build whose earlier steps match one before (the same
  // base, package-lock.json and Debian packages: the npm ci and apt-get steps) reuses them, as Docker does.
  const args = ['bud', '--isolation', 'chroot', '--pull=never', '--layers', '-f', options.dockerfile];
  args.push('-t', options.tag);
  for (const [key, value] of Object.entries(options.buildArgs ?? {}))
    args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(options.labels ?? {})) args.push('--label', `${key}=${value}`);
  for (const mount of options.buildVolumes ?? []) args.push('--volume', volumeArg(mount));
  args.push(options.context);
  await buildah(args, {
    store: options.store,
    abortSignal: options.abortSignal,
    locked: true,
    onLine: options.onLine,
  });
  return buildah(['inspect', '--type', 'image', '--format', '{{.FromImageID}}', options.tag], options);
}

/** True when the store holds an image with this name. */
export async function imageExists(image: string, options: { store?: ImageStore } = {}): Promise<boolean> {
  try {
    await buildah(['inspect', '--type', 'image', image], options);
    return true;
  } catch {
    return false;
  }
}

export interface ImageInfo {
  /** sha256 of the image's config. */
  id: string;
  /** `sha256:...` of its manifest, what a registry names it by. */
  digest: string;
  labels: Record<string, string>;
  /** The image's USER ('' for root). */
  user: string;
}

/** The image's id, digest, labels and user, or undefined when the store has no such image. */
export async function imageInfo(
  image: string,
  options: { store?: ImageStore } = {},
): Promise<ImageInfo | undefined> {
  try {
    const out = await buildah(['inspect', '--type', 'image', image], options);
    const info = JSON.parse(out) as {
      FromImageID: string;
      FromImageDigest: string;
      OCIv1?: { config?: { Labels?: Record<string, string>; User?: string } };
    };
    return {
      id: info.FromImageID,
      digest: info.FromImageDigest,
      labels: info.OCIv1?.config?.Labels ?? {},
      user: info.OCIv1?.config?.User ?? '',
    };
  } catch {
    return undefined;
  }
}

/** The image's size in bytes: the sum of its layers' uncompressed sizes, as `docker images` shows it. */
export async function imageSize(image: string, options: { store?: ImageStore } = {}): Promise<number> {
  const out = await buildah(['inspect', '--type', 'image', '--format', '{{.Manifest}}', image], options);
  const manifest = JSON.parse(out) as { layers: { size: number }[] };
  return manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

/** Removes an image (and its now-unused layers); missing images are fine. */
export async function removeImage(image: string, options: { store?: ImageStore } = {}): Promise<void> {
  if (await imageExists(image, options)) await buildah(['rmi', '-f', image], options);
}

/** A host path seen at `target` inside the container (a RUN step's, or a running command's). */
export interface Mount {
  source: string;
  target: string;
  readOnly?: boolean;
}

export function volumeArg(mount: Mount): string {
  return `${mount.source}:${mount.target}:${mount.readOnly ? 'ro' : 'rw'}`;
}
