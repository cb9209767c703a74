// npm ci installs exactly what package-lock.json pins and verifies each tarball against its integrity: every
// package from the registry must carry both, on every platform (docs/development.md "The lock file").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface LockPackage {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  os?: string[];
}

const repo = path.resolve(import.meta.dirname, '../..');
const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockPackage>;
};
const fromRegistry = Object.entries(lock.packages).filter(
  ([location, pkg]) => location.includes('node_modules/') && !pkg.link,
);

describe('package-lock.json', () => {
  it('pins every registry package with the tarball it came from and a sha512 integrity', () => {
    const incomplete = fromRegistry
      .filter(([, pkg]) => !pkg.resolved || !/^sha512-[A-Za-z0-9+/]{86}==$/.test(pkg.integrity ?? ''))
      .map(([location]) => location);
    expect(incomplete).toEqual([]);
    expect(fromRegistry.length).toBeGreaterThan(500);
  });

  it("resolves each to the npm registry's tarball of exactly the locked name and version", () => {
    const wrong = fromRegistry
      .filter(([location, pkg]) => {
        const name =
          pkg.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
        return (
          pkg.resolved !== `https://registry.npmjs.org/${name}/-/${name.split('/').at(-1)}-${pkg.version}.tgz`
        );
      })
      .map(([location, pkg]) => `${location}: ${pkg.resolved}`);
    expect(wrong).toEqual([]);
  });

  it("includes other platforms' native DuckDB bindings, each with its integrity", () => {
    const bindings = fromRegistry.filter(([location]) => location.includes('@duckdb/node-bindings-'));
    expect(bindings.map(([, pkg]) => pkg.os?.[0]).sort()).toEqual(
      expect.arrayContaining(['darwin', 'linux', 'win32']),
    );
    for (const [, pkg] of bindings) expect(pkg.integrity).toMatch(/^sha512-/);
  });
});
