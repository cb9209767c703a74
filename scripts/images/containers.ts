// Run a command in a fresh container of an image (`buildah from` + `buildah run --isolation chroot`), as a cluster
// node or the serving container would: environment variables, bind mounts read-only or read-write, a user.
// Chroot isolation keeps the host's network and PID namespaces: a server in the container listens on the host's
// loopback, the container reaches host services on 127.0.0.1, and the command is an ordinary host process.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { buildah, type Mount, volumeArg } from './buildah.ts';
import { defaultStore, type ImageStore, storeArgs } from './store.ts';

export interface RunInImageOptions {
  image: string;
  /** argv, run without a shell (use `['sh', '-c', '...']` for one). */
  command: string[];
  env?: Record<string, string>;
  mounts?: Mount[];
  /** `uid[:gid]` or a user name from the image's /etc/passwd; the image's USER when omitted. */
  user?: string;
  /** The image's WORKDIR when omitted. */
  workdir?: string;
  store?: ImageStore;
  abortSignal?: AbortSignal;
  /**
   * Run in this existing container (from `createContainer`) instead of a fresh one, and leave it: several commands
   * then share one file system, as the processes of one machine do. `image` is then only what the container is of.
   */
  container?: string;
  /** Give the command a stdin pipe (`process.stdin`) and stream its output instead of collecting it. */
  interactive?: boolean;
}

export interface RunResult {
  /** The command's exit code; 128 + n when it died of signal n (as a shell reports it). */
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A command running in a fresh container of the image; the container is removed when the command ends. */
export interface RunningContainer {
  /** The `buildah run` process: read its `stdout`/`stderr` streams while the command runs. */
  process: ResultPromise;
  /** Settles when the command has ended and the container is removed; never rejects on a non-zero exit. */
  done: Promise<RunResult>;
  /**
   * Sends `signal` (default SIGTERM, what a preempted or stopped node receives) to the command and its children
   * themselves: `buildah run` would answer a signal by killing the command outright.
   */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `command` in a new container of `image`. */
export async function startInImage(options: RunInImageOptions): Promise<RunningContainer> {
  const store = options.store ?? defaultStore();
  const container = options.container ?? (await createContainer(options.image, { store }));
  const args = ['run', '--isolation', 'chroot'];
  for (const [key, value] of Object.entries(options.env ?? {})) args.push('--env', `${key}=${value}`);
  for (const mount of options.mounts ?? []) args.push('--volume', volumeArg(mount));
  if (options.user) args.push('--user', options.user);
  if (options.workdir) args.push('--workingdir', options.workdir);
  args.push(container, '--', ...options.command);
  const child = execa('buildah', [...storeArgs(store), ...args], {
    reject: false,
    cancelSignal: options.abortSignal,
    stdin: options.interactive ? 'pipe' : 'ignore',
    buffer: !options.interactive,
    maxBuffer: 256 * 1024 * 1024,
  });
  const done = child.then(async (result) => {
    if (!options.container) await removeContainer(container, { store });
    const text = (out: unknown) => (typeof out === 'string' ? out : '');
    return { exitCode: exitCodeOf(result), stdout: text(result.stdout), stderr: text(result.stderr) };
  });
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    for (const pid of commandProcesses(child.pid)) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  };
  return { process: child, done, kill };
}

/** A new working container of `image` (`buildah from`), for `startInImage({ container })`; returns its name. */
export async function createContainer(image: string, options: { store?: ImageStore } = {}): Promise<string> {
  return buildah(['from', '--pull=never', '--quiet', image], { store: options.store ?? defaultStore() });
}

/** Removes a working container; one already gone is fine. */
export async function removeContainer(
  container: string,
  options: { store?: ImageStore } = {},
): Promise<void> {
  await buildah(['rm', container], { store: options.store ?? defaultStore() }).catch(() => undefined);
}

/** Runs `command` in a new container of `image` to its end; the container is removed afterwards. */
export async function runInImage(options: RunInImageOptions): Promise<RunResult> {
  return (await startInImage(options)).done;
}

/** buildah reports a command killed by a signal as "subprocess exited on <signal>" and exits 1. */
function exitCodeOf(result: { exitCode?: number; stderr: unknown }): number {
  const signalled = /subprocess exited on (\w+)/.exec(String(result.stderr));
  const numbers: Record<string, number> = { hangup: 1, interrupt: 2, killed: 9, terminated: 15 };
  if (signalled?.[1] && numbers[signalled[1]] !== undefined) return 128 + numbers[signalled[1]]!;
  return result.exitCode ?? 1;
}

/**
 * The command's processes: descendants of `buildah run` that are not buildah's own helpers
 * (buildah-chroot-runtime, buildah-chroot-exec), found through /proc since they share the host's PID namespace.
 */
function commandProcesses(root: number | undefined): number[] {
  if (root === undefined) return [];
  const found: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    let children: number[] = [];
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (text) children = children.concat(text.split(/\s+/).map(Number));
      }
    } catch {
      continue; // exited meanwhile
    }
    for (const childPid of children) {
      pending.push(childPid);
      if (!commandOf(childPid).startsWith('buildah')) found.push(childPid);
    }
  }
  return found;
}

/** argv[0]: buildah's helpers are re-executions of buildah itself, told apart only by the name they are given. */
function commandOf(pid: number): string {
  try {
    return path.basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return '';
  }
}
