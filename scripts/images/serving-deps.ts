// The serving image's dependency set, computed rather than listed: the npm packages that the service's module graph
// (src/serving/main.ts and every module it imports, statically or by a literal dynamic import) loads, plus their own
// dependencies from package-lock.json. Run in the image build after `npm ci --omit=dev`, it removes every other
// installed package (DuckDB, ECharts, ...), so a package the service starts importing is kept automatically and
// one it never loads is never shipped.
//   node scripts/images/serving-deps.ts [--root <app dir>] [--entry src/serving/main.ts] [--dry-run]
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const SPECIFIER =
  /(?:^|[\s;}])(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*(['"`])([^'"`]+)\3\s*\)|import\(\s*([^'"`\s)][^)]*)\)/gm;

/** Bare package names (`@scope/name` or `name`) that the module graph from `entry` loads at run time. */
export function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [path.resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const [, typeOnly, staticSpec, , dynamicSpec, computed] = match;
      if (computed !== undefined) {
        throw new Error(
          `${file}: import(${computed.trim()}) is computed; the serving image needs literal imports`,
        );
      }
      const spec = staticSpec ?? dynamicSpec;
      if (!spec || typeOnly) continue; // `import type` is erased: nothing is loaded.
      if (spec.startsWith('.')) pending.push(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(packageName(spec));
    }
  }
  return packages;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export interface LockEntry {
  optional?: boolean;
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Lock-file locations (`node_modules/a`, `node_modules/a/node_modules/b`) needed by `roots`, resolved as Node does. */
export function closure(lock: Record<string, LockEntry>, roots: Iterable<string>): Set<string> {
  const keep = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = parentLocation(dir)) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const pending = [...roots].map((name) => {
    const found = resolve('', name);
    if (!found) throw new Error(`package-lock.json has no node_modules/${name}, which the service imports`);
    return found;
  });
  while (pending.length > 0) {
    const location = pending.pop()!;
    if (keep.has(location)) continue;
    keep.add(location);
    const entry = lock[location]!;
    const deps = { ...entry.peerDependencies, ...entry.optionalDependencies, ...entry.dependencies };
    for (const name of Object.keys(deps)) {
      const found = resolve(location, name);
      // An optional or peer dependency may be absent (another platform's binary, an unused peer).
      if (found) pending.push(found);
    }
  }
  return keep;
}

function parentLocation(location: string): string {
  const at = location.lastIndexOf('/node_modules/');
  return at < 0 ? '' : location.slice(0, at);
}

/** Installed lock locations outside `keep`, outermost first (removing one removes what is nested in it). */
export function removable(lock: Record<string, LockEntry>, keep: Set<string>): string[] {
  const out: string[] = [];
  for (const [location, entry] of Object.entries(lock)) {
    if (!location.startsWith('node_modules/') || entry.dev || keep.has(location)) continue;
    if (out.some((parent) => location.startsWith(`${parent}/`))) continue;
    out.push(location);
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: '.' },
      entry: { type: 'string', default: 'src/serving/main.ts' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const root = path.resolve(values.root);
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const loaded = packagesLoadedBy(path.join(root, values.entry));
  const keep = closure(lock.packages, loaded);
  const removed = removable(lock.packages, keep).filter((location) => existsSync(path.join(root, location)));
  if (!values['dry-run']) {
    for (const location of removed) rmSync(path.join(root, location), { recursive: true, force: true });
    rmSync(path.join(root, 'node_modules/.bin'), { recursive: true, force: true });
  }
  process.stdout.write(
    `serving-deps: the service loads ${[...loaded].sort().join(', ')}; ` +
      `kept ${keep.size} packages, ${values['dry-run'] ? 'would remove' : 'removed'} ${removed.length}: ` +
      `${removed.map((l) => l.replace(/^node_modules\//, '')).join(', ')}\n`,
  );
}
