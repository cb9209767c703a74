/**
 * Errors of the machine rather than of a partition's data: a full disk, a failing device, no file handles left.
 * A run that meets one stops (exit 3) instead of journaling partitions as failed, because `--resume` retrains only
 * partitions without a record: failures recorded for a full disk would never be retried once space is freed.
 */
const CODES = ['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE'] as const;
const PREFIX = new RegExp(`^(${CODES.join('|')})\\b`);

/** The code of an environment error, also when it crossed a worker thread as a message only. */
export function environmentCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && (CODES as readonly string[]).includes(code)) return code;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return PREFIX.exec(message)?.[1];
}

/** `ENOSPC writing <what> at <where>: <message>`: the code first, so it survives a thread boundary. */
export function describeEnvironmentError(error: unknown, what: string, where: string): string | undefined {
  const code = environmentCode(error);
  if (!code) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${code} writing`) ? message : `${code} writing ${what} at ${where}: ${message}`;
}
