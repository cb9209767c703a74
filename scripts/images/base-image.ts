// A local stand-in for the official base images (node:24-bookworm-slim, gcr.io/distroless/nodejs24-debian12),
// which cannot be pulled here: Debian bookworm from Debian's own packages (debootstrap, minbase) plus Node 24 and
// npm from the npm registry, laid out as the official images lay them out. Built once per image store.
import {
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildah, imageExists } from './buildah.ts';
import { defaultStore, type ImageStore } from './store.ts';

/** The local base image's name; Dockerfiles receive it as BASE_IMAGE (and RUNTIME_BASE_IMAGE for serving). */
export const LOCAL_BASE_IMAGE = 'localhost/mm-base:bookworm-node24';

export interface BaseImageOptions {
  store?: ImageStore;
  /** Debian mirror for debootstrap; `$MM_DEBIAN_MIRROR` or deb.debian.org. */
  mirror?: string;
  /** Rebuild even when the image exists. */
  force?: boolean;
  /** Progress lines (which step is running); silent when omitted. */
  log?: (line: string) => void;
  abortSignal?: AbortSignal;
}

/** Returns the local base image's name, building it first when the store lacks it (about a minute). */
export async function ensureBaseImage(options: BaseImageOptions = {}): Promise<string> {
  const store = options.store ?? defaultStore();
  if (!options.force && (await imageExists(LOCAL_BASE_IMAGE, { store }))) return LOCAL_BASE_IMAGE;
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(path.join(path.dirname(store.root), 'base-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    const mirror = options.mirror ?? process.env.MM_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
    log(`base image: debootstrap bookworm (minbase) from ${mirror}`);
    await execa('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], {
      cancelSignal: options.abortSignal,
      stdin: 'ignore',
    });
    // As the slim images: no package archives or lists in the image.
    rmSync(path.join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    rmSync(path.join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(path.join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
    mkdirSync(path.join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    const version = await installNode(rootfs, options.abortSignal, log);
    addUsers(rootfs);
    log(`base image: committing ${LOCAL_BASE_IMAGE} (node ${version})`);
    await commitRootfs(rootfs, version, store);
    return LOCAL_BASE_IMAGE;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Node 24 and npm from the npm registry (the `node` package carries the official linux-x64 binary), cached under
 * ~/.cache/many-models. Laid out as node:24-*: /usr/local/bin/{node,npm,npx}, npm in /usr/local/lib/node_modules;
 * and as distroless: /nodejs/bin/node.
 */
async function installNode(
  rootfs: string,
  abortSignal: AbortSignal | undefined,
  log: (line: string) => void,
) {
  const prefix = path.join(homedir(), '.cache/many-models/image-node');
  const nodeDir = path.join(prefix, 'node_modules/node');
  const npmDir = path.join(prefix, 'node_modules/npm');
  let installed: string | undefined;
  try {
    readFileSync(path.join(npmDir, 'package.json'));
    installed = readVersion(nodeDir);
  } catch {
    log(`base image: npm install node@24 npm@11 into ${prefix}`);
    await execa(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, 'node@24', 'npm@11'],
      {
        cancelSignal: abortSignal,
        stdin: 'ignore',
      },
    );
    installed = readVersion(nodeDir);
  }
  const local = path.join(rootfs, 'usr/local');
  mkdirSync(path.join(local, 'bin'), { recursive: true });
  mkdirSync(path.join(local, 'lib/node_modules'), { recursive: true });
  cpSync(path.join(nodeDir, 'bin/node'), path.join(local, 'bin/node'));
  cpSync(npmDir, path.join(local, 'lib/node_modules/npm'), { recursive: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin/npx'));
  mkdirSync(path.join(rootfs, 'nodejs/bin'), { recursive: true });
  symlinkSync('/usr/local/bin/node', path.join(rootfs, 'nodejs/bin/node'));
  return installed;
}

function readVersion(packageDir: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The users the official images define: node (1000) in node:*, nonroot (65532) in distroless :nonroot. */
function addUsers(rootfs: string): void {
  const append = (file: string, line: string) => {
    const full = path.join(rootfs, file);
    writeFileSync(full, `${readFileSync(full, 'utf8').trimEnd()}\n${line}\n`);
  };
  append('etc/passwd', 'node:x:1000:1000::/home/node:/bin/bash');
  append('etc/group', 'node:x:1000:');
  append('etc/passwd', 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin');
  append('etc/group', 'nonroot:x:65532:');
  for (const [home, owner] of [
    ['home/node', 1000],
    ['home/nonroot', 65532],
  ] as const) {
    mkdirSync(path.join(rootfs, home), { recursive: true });
    chownSync(path.join(rootfs, home), owner, owner);
  }
}

async function commitRootfs(rootfs: string, nodeVersion: string, store: ImageStore): Promise<void> {
  const container = await buildah(['from', 'scratch'], { store, locked: true });
  try {
    const mountpoint = await buildah(['mount', container], { store });
    await execa('cp', ['-a', `${rootfs}/.`, `${mountpoint}/`]);
    await buildah(['umount', container], { store });
    await buildah(
      [
        'config',
        '--env',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--env',
        `NODE_VERSION=${nodeVersion}`,
        '--cmd',
        'node',
        '--label',
        'org.opencontainers.image.description=local stand-in for node:24-bookworm-slim (many-models tests)',
        container,
      ],
      { store },
    );
    await buildah(['commit', '--rm', container, LOCAL_BASE_IMAGE], { store, locked: true });
  } catch (error) {
    await buildah(['rm', container], { store }).catch(() => undefined);
    throw error;
  }
}
