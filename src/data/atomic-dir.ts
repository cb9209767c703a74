import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';

/**
 * A folder replaced as a whole (the prepared lake). Every build is a complete version folder `.<name>.v-<stamp>`
 * beside it, and `<name>` is a symbolic link to the current one: switching is a single rename of a new link over
 * the old, so a reader or a killed process sees the old version or the new one, never none and never a mix.
 * A reader that must see one version throughout (a training run) pins it (`pinDir`); old versions are removed once
 * no live process has them pinned. A filesystem without symbolic links (a blob mount) gets a plain folder.
 */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const TAG = '(\\d+)-[0-9a-f]+';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function names(target: string) {
  const base = path.basename(target);
  return {
    dir: path.dirname(target),
    base,
    version: new RegExp(`^\\.${escapeRegExp(base)}\\.v-[0-9a-z]+-${TAG}$`),
    temp: new RegExp(`^\\.${escapeRegExp(base)}\\.(tmp|link)-${TAG}$`),
    /** The backup an older `mm` (two renames) left when killed between them. */
    backup: new RegExp(`^\\.${escapeRegExp(base)}\\.old-${TAG}$`),
    readers: path.join(path.dirname(target), `.${base}.readers`),
  };
}

const tag = () => `${process.pid}-${randomBytes(4).toString('hex')}`;
/** Sorts by time as text: 9 base-36 digits last until the year 5188. */
const stamp = () => Date.now().toString(36).padStart(9, '0');

async function kindOf(file: string): Promise<'link' | 'dir' | 'none' | 'other'> {
  try {
    const info = await lstat(file);
    return info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Points `target` at `version` (a sibling's name) with one rename; false where links are not supported. */
async function pointAt(target: string, version: string): Promise<boolean> {
  const { dir, base } = names(target);
  const link = path.join(dir, `.${base}.link-${tag()}`);
  try {
    // Windows creates directory junctions without privileges; they need an absolute target.
    await symlink(process.platform === 'win32' ? path.join(dir, version) : version, link, 'junction');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EINVAL'].includes(code)) return false;
    throw error;
  }
  await rename(link, target);
  return true;
}

/**
 * Brings back `target` when a crash left it missing: the newest complete version, or else the backup an older
 * `mm` left between its two renames. Returns what it did, for the log; null when nothing was missing.
 */
export async function recoverDir(target: string): Promise<string | null> {
  if ((await kindOf(target)) !== 'none') return null;
  const n = names(target);
  const all = await entries(n.dir);
  const newest = all
    .filter((e) => n.version.test(e))
    .sort()
    .at(-1);
  if (newest) {
    if (await pointAt(target, newest))
      return `${target} was missing after a crash; it points at ${newest} again`;
    await rename(path.join(n.dir, newest), target);
    return `${target} was missing after a crash; restored from ${newest}`;
  }
  const backup = all.find((e) => {
    const m = n.backup.exec(e);
    return m !== null && !alive(Number(m[1]));
  });
  if (!backup) return null;
  await rename(path.join(n.dir, backup), target);
  return `${target} was missing after a crash; restored from the backup ${backup}`;
}

/** The version folder `target` currently resolves to (itself when it is a plain folder); null when absent. */
async function currentOf(target: string): Promise<string | null> {
  const kind = await kindOf(target);
  if (kind === 'none') return null;
  if (kind === 'link') return path.basename(await readlink(target));
  return null;
}

/** Versions pinned by a live process (their reader markers); markers of dead processes are removed. */
async function pinnedVersions(target: string): Promise<Set<string>> {
  const { readers } = names(target);
  const out = new Set<string>();
  for (const marker of await entries(readers)) {
    const m = /^(.+)\.(\d+)-[0-9a-f]+$/.exec(marker);
    if (m && alive(Number(m[2]))) out.add(m[1]!);
    else await rm(path.join(readers, marker), { force: true });
  }
  return out;
}

/** Removes temporaries of dead writers and versions that are neither current nor pinned by a live reader. */
async function collect(target: string): Promise<void> {
  const n = names(target);
  const current = await currentOf(target);
  const pinned = await pinnedVersions(target);
  for (const entry of await entries(n.dir)) {
    const temp = n.temp.exec(entry);
    const stale =
      (temp !== null && !alive(Number(temp[2]))) ||
      (n.version.test(entry) && entry !== current && !pinned.has(entry));
    if (stale) await rm(path.join(n.dir, entry), { recursive: true, force: true });
  }
}

/**
 * Builds a new version of `target` in a temporary sibling and switches `target` to it only when `build` succeeds,
 * with one rename. On failure nothing is left and `target` is untouched.
 */
export async function replaceDirAtomically<T>(
  target: string,
  build: (tmp: string) => Promise<T>,
  options: { log?: (line: string) => void } = {},
): Promise<T> {
  const n = names(target);
  const createdParent = !existsSync(n.dir);
  const recovered = await recoverDir(target);
  if (recovered) options.log?.(recovered);
  await collect(target);
  const tmp = path.join(n.dir, `.${n.base}.tmp-${tag()}`);
  await mkdir(tmp, { recursive: true });
  let result: T;
  try {
    result = await build(tmp);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    // Only an empty folder we made ourselves: never anything another writer put there meanwhile.
    if (createdParent) await rmdir(n.dir).catch(() => undefined);
    throw error;
  }
  const version = `.${n.base}.v-${stamp()}-${tag()}`;
  await rename(tmp, path.join(n.dir, version));
  // A folder from before versions becomes the oldest version, so the switch below is still one rename.
  if ((await kindOf(target)) === 'dir') {
    await rename(target, path.join(n.dir, `.${n.base}.v-${'0'.repeat(9)}-${tag()}`));
  }
  if (!(await pointAt(target, version))) await replacePlainDir(target, path.join(n.dir, version));
  await collect(target);
  return result;
}

/** Where links are not supported: the old two renames, keeping the backup until the new folder is in place. */
async function replacePlainDir(target: string, ready: string): Promise<void> {
  const { dir, base } = names(target);
  const old = path.join(dir, `.${base}.old-${tag()}`);
  const hadOld = existsSync(target);
  if (hadOld) await rename(target, old);
  await rename(ready, target);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

export interface PinnedDir {
  /** The version folder to read for the whole operation. */
  dir: string;
  release(): Promise<void>;
}

/**
 * Pins the version `target` points at now, so a concurrent replace neither changes nor removes what this reader
 * reads; a plain folder (no versions) is returned as it is.
 */
export async function pinDir(target: string): Promise<PinnedDir> {
  await recoverDir(target);
  const current = await currentOf(target);
  if (current === null) return { dir: target, release: async () => {} };
  const n = names(target);
  await mkdir(n.readers, { recursive: true });
  const marker = path.join(n.readers, `${current}.${tag()}`);
  await writeFile(marker, '');
  // The link may have moved between reading it and writing the marker: pin what it points at now.
  const now = await currentOf(target);
  if (now !== current) {
    await rm(marker, { force: true });
    return pinDir(target);
  }
  return {
    dir: await realpath(path.join(n.dir, current)),
    release: () => rm(marker, { force: true }),
  };
}
