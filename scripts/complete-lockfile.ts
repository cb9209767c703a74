// Completes package-lock.json after any `npm install` (docs/development.md "The lock file"):
//   node scripts/complete-lockfile.ts
// 1. Adds the other platforms' native packages (biome's CLI, DuckDB's bindings, ...). npm records an optional
//    platform package only if it resolved it on this machine; `npm ci` then rejects the lock as out of sync wherever
//    it is missing. Each entry gets the version its parent pins and the os/cpu/libc its name says.
// 2. Gives every registry package its `resolved` URL and its `integrity`: a user npm config with
//    omit-lockfile-registry-resolved (the repository's .npmrc turns it off) drops the URLs, and the entries added in
//    step 1 have no integrity until it is read from the registry (`npm view <name>@<version> dist.integrity`), so a
//    tampered tarball of another platform's native binding would otherwise install unchecked.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface LockPackage {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

const PLATFORM = /-(android|darwin|linux|win32|freebsd)-(arm64|x64|ia32|arm)(-(musl|gnu|msvc))?$/;
const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, LockPackage> };
const added: string[] = [];

for (const [location, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const platform = PLATFORM.exec(name);
    if (lock.packages[key] || !platform) continue;
    const [, os, cpu, , libc] = platform;
    lock.packages[key] = {
      version: version.replace(/^[\^~]/, ''),
      ...(pkg.dev ? { dev: true } : {}),
      optional: true,
      os: [os!],
      cpu: [cpu!],
      ...(os === 'linux' ? { libc: [libc === 'musl' ? 'musl' : 'glibc'] } : {}),
    };
    added.push(`${name}@${lock.packages[key].version} (for ${location || 'the root'})`);
  }
}

const REGISTRY = 'https://registry.npmjs.org';
const completed: string[] = [];
for (const [location, pkg] of Object.entries(lock.packages)) {
  // Workspace folders and links are not from the registry.
  if (!location.includes('node_modules/') || pkg.link || !pkg.version) continue;
  const name = pkg.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
  if (!pkg.resolved) pkg.resolved = `${REGISTRY}/${name}/-/${name.split('/').at(-1)}-${pkg.version}.tgz`;
  if (!pkg.integrity) {
    pkg.integrity = execFileSync('npm', ['view', `${name}@${pkg.version}`, 'dist.integrity'], {
      encoding: 'utf8',
    }).trim();
    if (!/^sha512-[A-Za-z0-9+/]+=*$/.test(pkg.integrity)) {
      throw new Error(`the registry gave no sha512 integrity for ${name}@${pkg.version}: '${pkg.integrity}'`);
    }
    completed.push(`${name}@${pkg.version}`);
  }
}

const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(file, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(
  added.length || completed.length
    ? [
        `added ${added.length} platform package(s):`,
        ...added,
        `read the integrity of ${completed.length} package(s) from the registry:`,
        ...completed,
      ].join('\n  ')
    : 'lock file already complete',
);
