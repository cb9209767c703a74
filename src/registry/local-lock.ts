import { mkdir } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { RegistryError } from './types.ts';

export interface LockOptions {
  /** A lock whose holder stopped refreshing it for this long is taken over (a killed writer). Minimum 5000. */
  staleMs?: number;
  /** How long to wait for another writer before giving up. */
  waitMs?: number;
}

/** What the holder checks between writes: a lock lost to a stale takeover must stop writing at once. */
export interface HeldLock {
  assertHeld(): void;
}

/**
 * Runs `fn` holding the registry's cross-process lock (proper-lockfile: an atomic mkdir whose mtime the holder
 * refreshes, so a killed holder's lock goes stale and is taken over instead of blocking forever).
 */
export async function withRegistryLock<T>(
  target: string,
  lockfilePath: string,
  options: LockOptions,
  fn: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  await mkdir(target, { recursive: true });
  let compromised: Error | undefined;
  const waitMs = options.waitMs ?? 120_000;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      lockfilePath,
      stale: Math.max(5000, options.staleMs ?? 10_000),
      retries: { retries: 10_000, factor: 1.3, minTimeout: 20, maxTimeout: 500, maxRetryTime: waitMs },
      onCompromised: (error) => {
        compromised = error;
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') {
      throw new RegistryError(
        `the registry at ${target} is locked by another writer (waited ${Math.round(waitMs / 1000)} s; ` +
          `a killed writer's lock is taken over after it goes stale)`,
      );
    }
    throw error;
  }
  const held: HeldLock = {
    assertHeld() {
      if (compromised) {
        throw new RegistryError(
          `lost the registry lock at ${target} mid-write (${compromised.message}); ` +
            'models written so far are complete, the rest were not registered',
        );
      }
    },
  };
  try {
    return await fn(held);
  } finally {
    // A compromised lock may already belong to someone else: never remove it then.
    if (!compromised) await release().catch(() => undefined);
  }
}
