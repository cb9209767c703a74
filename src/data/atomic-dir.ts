import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary siblings left by a killed writer (their process is gone), so they do not pile up. */
async function removeStaleSiblings(target: string): Promise<void> {
  const dir = path.dirname(target);
  if (!existsSync(dir)) return;
  const pattern = new RegExp(
    `^\\.${path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-[0-9a-f]+$`,
  );
  for (const entry of await readdir(dir)) {
    const match = pattern.exec(entry);
    if (match && !alive(Number(match[2]))) await rm(path.join(dir, entry), { recursive: true, force: true });
  }
}

/**
 * Builds a folder in a temporary sibling and renames it into place only when `build` succeeds, so readers and
 * a killed process see the previous folder (or none), never a half-written one. On failure nothing is left.
 */
export async function replaceDirAtomically<T>(
  target: string,
  build: (tmp: string) => Promise<T>,
): Promise<T> {
  await removeStaleSiblings(target);
  const dir = path.dirname(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${tag}`);
  const createdParent = !existsSync(dir);
  await mkdir(tmp, { recursive: true });
  let result: T;
  try {
    result = await build(tmp);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    // Only an empty folder we made ourselves: never anything another writer put there meanwhile.
    if (createdParent) await rmdir(dir).catch(() => undefined);
    throw error;
  }
  const old = path.join(dir, `.${path.basename(target)}.old-${tag}`);
  const hadOld = existsSync(target);
  if (hadOld) await rename(target, old);
  try {
    await rename(tmp, target);
  } catch (error) {
    if (hadOld) await rename(old, target);
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
  return result;
}
