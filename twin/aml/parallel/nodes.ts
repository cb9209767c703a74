import { spawn } from 'node:child_process';
import { chown, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Mount } from '../../../scripts/images/buildah.ts';
import {
  createContainer,
  removeContainer,
  runInImage,
  startInImage,
} from '../../../scripts/images/containers.ts';
import type { ImageStore } from '../../../scripts/images/store.ts';

export type { Mount };

/** A process running on a simulated cluster node. */
export interface NodeProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The host pid that stands for the process (its launcher's, in an image). */
  readonly pid: number;
  /** Settles with the exit code when the process has ended and its output is read; never rejects. */
  readonly exited: Promise<number | null>;
  /** Kills the process and every process it started, as losing the node or the process does. */
  kill(): void;
}

/** One node of a compute cluster: what its processes share (in an image: one container, i.e. one file system). */
export interface ClusterNode {
  /**
   * Starts `argv` on the node. `mounts` are what the job mounts for this process: on an image node they are all it
   * sees of this machine besides the image, read-only where `readOnly`; on a host node they are its own paths.
   */
  start(argv: string[], options: { env: Record<string, string>; mounts: Mount[] }): Promise<NodeProcess>;
  /** Gives the node back (its processes have ended). */
  release(): Promise<void>;
}

/** Where the twin's cluster nodes run their processes. */
export interface NodeRuntime {
  readonly kind: 'host' | 'image';
  /** For reports: `host` or `<image>@<manifest digest>`. */
  readonly where: string;
  /** The Python that runs the parallel step's entry script on a node. */
  readonly python: string;
  /** The environment a node's processes start from before the job's own variables. */
  baseEnv(): Record<string, string>;
  node(rank: number): Promise<ClusterNode>;
}

/** The variables that have a value (a process environment may list unset ones). */
export function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Nodes that are processes of this machine: the fallback where buildah is missing (never under CI, see
 * twin/README.md). Mounts are not enforced: an input folder is writable here, as it is not on a real node.
 */
export function hostNodes(options: { python?: string } = {}): NodeRuntime {
  const venv = process.env.MM_VENV ?? path.join(homedir(), '.cache/many-models/venv');
  return {
    kind: 'host',
    where: 'host',
    python: options.python ?? path.join(venv, 'bin/python'),
    baseEnv: () => definedOnly(process.env),
    async node() {
      return {
        async start(argv, { env }) {
          // Its own process group, so a kill takes the children (the engine host) with it.
          const child = spawn(argv[0]!, argv.slice(1), { env, stdio: 'pipe', detached: true });
          const exited = new Promise<number | null>((resolve) => {
            child.once('error', () => resolve(127));
            child.once('close', (code) => resolve(code));
          });
          child.stdin.on('error', () => {}); // a dead process: reported by `exited`
          return {
            stdin: child.stdin,
            stdout: child.stdout,
            stderr: child.stderr,
            pid: child.pid ?? -1,
            exited,
            kill() {
              try {
                process.kill(-child.pid!, 'SIGKILL');
              } catch {
                // already gone
              }
            },
          };
        },
        async release() {},
      };
    },
  };
}

/**
 * Nodes that run in a container image, as an Azure ML compute cluster runs a job's environment: one working
 * container per node (`buildah from`), each of the node's processes a `buildah run --isolation chroot` in it, so the
 * processes of one node share its disk (/tmp) and nothing else, the image's user (its USER) runs them, and they see
 * of this machine only what is mounted: the job's inputs read-only, its outputs read-write (chowned to that user,
 * as a job may write its outputs), plus `mounts` (the twin's CA certificate, the stack's environment files).
 * Chroot isolation keeps the host's network, so the nodes reach the twin's endpoints on 127.0.0.1.
 */
export function imageNodes(options: {
  image: string;
  /** The image's manifest digest, for reports. */
  digest?: string;
  /** Mounted into every process, e.g. the twin's CA certificate. */
  mounts?: Mount[];
  store?: ImageStore;
}): NodeRuntime {
  const store = options.store;
  let owner: Promise<{ uid: number; gid: number }> | undefined;
  const chowned = new Set<string>();
  const imageUser = () => {
    owner ??= runInImage({ image: options.image, command: ['id', '-u'], store }).then(async (uid) => {
      const gid = await runInImage({ image: options.image, command: ['id', '-g'], store });
      if (uid.exitCode !== 0 || gid.exitCode !== 0) throw new Error(`id in ${options.image}: ${uid.stderr}`);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    });
    return owner;
  };
  return {
    kind: 'image',
    where: `${options.image}${options.digest ? `@${options.digest}` : ''}`,
    python: 'python3',
    baseEnv: () => ({}),
    async node() {
      const container = await createContainer(options.image, { store });
      return {
        async start(argv, { env, mounts }) {
          const { uid, gid } = await imageUser();
          for (const mount of mounts) {
            if (mount.readOnly || chowned.has(mount.source)) continue;
            await chownTree(mount.source, uid, gid);
            chowned.add(mount.source);
          }
          // Outer folders first: an input inside an output folder is mounted over it, read-only.
          const all = [...(options.mounts ?? []), ...mounts].sort(
            (a, b) => a.target.length - b.target.length,
          );
          const running = await startInImage({
            image: options.image,
            container,
            command: argv,
            env,
            mounts: all,
            interactive: true,
            store,
          });
          const child = running.process;
          child.stdin!.on('error', () => {});
          return {
            stdin: child.stdin!,
            stdout: child.stdout!,
            stderr: child.stderr!,
            pid: child.pid ?? -1,
            exited: running.done.then((r) => r.exitCode),
            kill: () => running.kill('SIGKILL'),
          };
        },
        release: () => removeContainer(container, { store }),
      };
    },
  };
}

async function chownTree(root: string, uid: number, gid: number): Promise<void> {
  await chown(root, uid, gid);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    await chown(path.join(entry.parentPath, entry.name), uid, gid);
  }
}
