// The serving image's dependency set (scripts/images/serving-deps.ts): what the service's module graph loads, and
// the lock-file closure of it. The image suite (test/images) then proves it by answering a request without the rest.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { closure, type LockEntry, packagesLoadedBy, removable } from '../../scripts/images/serving-deps.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/images/serving-deps.ts');
let dir: string | undefined;

function project(files: Record<string, string>): string {
  dir = mkdtempSync(path.join(tmpdir(), 'mm-serving-deps-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const LOCK: Record<string, LockEntry> = {
  '': { dependencies: { fastify: '1', heavy: '1', lazy: '1', typesonly: '1' } },
  'node_modules/fastify': { dependencies: { shared: '1', pino: '1' } },
  'node_modules/fastify/node_modules/pino': {},
  'node_modules/pino': {},
  'node_modules/shared': { optionalDependencies: { 'shared-linux-x64': '1', 'shared-darwin-arm64': '1' } },
  'node_modules/shared-linux-x64': { optional: true },
  'node_modules/heavy': { dependencies: { shared: '1', 'heavy-native': '1' } },
  'node_modules/heavy-native': {},
  'node_modules/lazy': {},
  'node_modules/typesonly': {},
  'node_modules/vitest': { dev: true },
};

describe('serving-deps', () => {
  it('given static, literal dynamic and type-only imports, counts only what is loaded at run time', () => {
    const root = project({
      'src/main.ts': [
        "import { a } from './a.ts';",
        "import type { T } from 'typesonly';",
        "import Fastify, {\n  type X,\n} from 'fastify/sub';",
        "import { readFileSync } from 'node:fs';",
        '',
      ].join('\n'),
      'src/a.ts': "export const a = async () => (await import('lazy')).x;\nexport * from './b.ts';\n",
      'src/b.ts': 'export const b = 1;\n// a comment that mentions heavy, not an import of it\n',
    });
    expect([...packagesLoadedBy(path.join(root, 'src/main.ts'))].sort()).toEqual(['fastify', 'lazy']);
  });

  it('refuses a computed dynamic import, which it cannot follow', () => {
    const root = project({ 'src/main.ts': 'const name = "x";\nawait import(name);\n' });
    expect(() => packagesLoadedBy(path.join(root, 'src/main.ts'))).toThrow(/import\(name\) is computed/);
  });

  it('keeps the lock-file closure as Node resolves it (nested first, optional when present) and removes the rest', () => {
    const keep = closure(LOCK, ['fastify', 'lazy']);
    expect([...keep].sort()).toEqual([
      'node_modules/fastify',
      'node_modules/fastify/node_modules/pino',
      'node_modules/lazy',
      'node_modules/shared',
      'node_modules/shared-linux-x64',
    ]);
    // Dev packages are never installed by `npm ci --omit=dev`, so there is nothing to remove.
    expect(removable(LOCK, keep)).toEqual([
      'node_modules/pino',
      'node_modules/heavy',
      'node_modules/heavy-native',
      'node_modules/typesonly',
    ]);
  });

  it('names a package the service imports that the lock file lacks', () => {
    expect(() => closure(LOCK, ['missing'])).toThrow(/no node_modules\/missing, which the service imports/);
  });

  it('run on an installed tree, deletes the packages outside the closure and leaves the rest', async () => {
    const root = project({
      'src/serving/main.ts': "import 'fastify';\n",
      'package-lock.json': JSON.stringify({ packages: LOCK }),
      ...Object.fromEntries(
        Object.keys(LOCK)
          .filter((l) => l.startsWith('node_modules/') && l !== 'node_modules/vitest')
          .map((l) => [`${l}/package.json`, '{}']),
      ),
    });
    const result = await execa(process.execPath, [SCRIPT, '--root', root]);
    expect(result.stdout).toContain('the service loads fastify');
    for (const gone of ['heavy', 'heavy-native', 'lazy', 'pino', 'typesonly']) {
      expect(existsSync(path.join(root, 'node_modules', gone)), gone).toBe(false);
    }
    for (const kept of ['fastify', 'fastify/node_modules/pino', 'shared', 'shared-linux-x64']) {
      expect(existsSync(path.join(root, 'node_modules', kept)), kept).toBe(true);
    }
  });

  it('on this repository: the service loads fastify and the Azure registry, never DuckDB, ECharts or Pulumi', () => {
    const loaded = packagesLoadedBy(path.join(ROOT, 'src/serving/main.ts'));
    expect(loaded).toContain('fastify');
    expect(loaded).toContain('@azure/arm-machinelearning'); // the prod registry, loaded on first use
    for (const never of ['@duckdb/node-api', 'echarts', '@pulumi/pulumi', 'piscina'])
      expect(loaded).not.toContain(never);
  });
});
