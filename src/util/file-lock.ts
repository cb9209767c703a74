import lockfile from 'proper-lockfile';

export interface FileLockOptions {
  /** Named in the error when the wait runs out, e.g. 'the warehouse'. */
  what: string;
  /** How long to wait for another holder; a killed holder's lock goes stale after 10 s and is taken over. */
  waitMs?: number;
}

/**
 * Runs `fn` holding a cross-process lock on `file` (proper-lockfile: an atomic mkdir of `<file>.lock` whose mtime
 * the holder refreshes, so a killed holder's lock goes stale instead of blocking forever). The file need not exist.
 */
export async function withFileLock<T>(
  file: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const waitMs = options.waitMs ?? 300_000;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 100_000, factor: 1.3, minTimeout: 20, maxTimeout: 500, maxRetryTime: waitMs },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new Error(
        `${options.what} ${file} is in use by another process (waited ${Math.round(waitMs / 1000)} s for ${file}.lock)`,
      );
    }
    throw error;
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
