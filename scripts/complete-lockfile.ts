// Adds the other platforms' native packages (biome's CLI, DuckDB's bindings, ...) to package-lock.json.
//   node scripts/complete-lockfile.ts        after any `npm install` on a machine whose registry mirror lacks them
// npm records an optional platform package only if the registry serves it; `npm ci` then rejects the lock as out
// of sync wherever it is missing. Each entry gets the version its parent pins and the os/cpu/libc its name says,
// so npm skips it on other platforms and installs it (resolving it by name) on its own.
import { readFileSync, writeFileSync } from 'node:fs';

interface LockPackage {
  version?: string;
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

const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(file, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(
  added.length
    ? `added ${added.length} platform package(s):\n  ${added.join('\n  ')}`
    : 'lock file already complete',
);
