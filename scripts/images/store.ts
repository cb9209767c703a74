// Where buildah keeps images and containers, and with which storage driver. Outside the clone, so the local base
// image (a minute or more to build) survives reruns; `.ci/run` rebuilds whatever is missing.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';

export type StorageDriver = 'overlay' | 'vfs';

export interface ImageStore {
  /** containers/storage graph root (images, layers, containers); one per driver. */
  root: string;
  /** Runtime state (locks, mounts). */
  runroot: string;
  /**
   * overlay where the kernel mounts it (a container is a few directories: `buildah from` is instant); vfs
   * elsewhere (no kernel support needed, but every container and layer is a full copy of the image).
   */
  driver: StorageDriver;
}

let detected: StorageDriver | undefined;

/** overlay when this machine can mount an overlay on the store's file system, else vfs. */
function detectDriver(base: string): StorageDriver {
  if (detected) return detected;
  mkdirSync(base, { recursive: true });
  const probe = mkdtempSync(path.join(base, 'overlay-probe-'));
  try {
    for (const dir of ['lower', 'upper', 'work', 'merged']) mkdirSync(path.join(probe, dir));
    const options = `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`;
    const mounted = execaSync('mount', ['-t', 'overlay', 'overlay', '-o', options, `${probe}/merged`], {
      reject: false,
      stdio: 'ignore',
    });
    if (mounted.exitCode === 0) execaSync('umount', [`${probe}/merged`], { reject: false, stdio: 'ignore' });
    detected = mounted.exitCode === 0 ? 'overlay' : 'vfs';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  return detected;
}

/** `$MM_IMAGE_STORE` (default `~/.cache/many-models/images`), driver `$MM_IMAGE_DRIVER` or detected. */
export function defaultStore(): ImageStore {
  const base = process.env.MM_IMAGE_STORE ?? path.join(homedir(), '.cache/many-models/images');
  const wanted = process.env.MM_IMAGE_DRIVER;
  if (wanted !== undefined && wanted !== 'overlay' && wanted !== 'vfs') {
    throw new Error(`MM_IMAGE_DRIVER must be overlay or vfs, not '${wanted}'`);
  }
  const driver = wanted ?? detectDriver(base);
  return { root: path.join(base, `storage-${driver}`), runroot: path.join(base, `run-${driver}`), driver };
}

/** The global buildah options that select the store. */
export function storeArgs(store: ImageStore): string[] {
  return ['--root', store.root, '--runroot', store.runroot, '--storage-driver', store.driver];
}

/** Builds and base-image creation take one lock per store: two builds at once only thrash a small machine. */
export function buildLock(store: ImageStore): string {
  mkdirSync(store.root, { recursive: true });
  return path.join(store.root, 'build.lock');
}
