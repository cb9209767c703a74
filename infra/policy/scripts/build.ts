// Builds the publishable policy pack: one folder holding the compiled pack, the compiled promotion rules it
// applies, its own package.json (only public dependencies) and PulumiPolicy.yaml.
//   npm run build -w infra/policy                 -> infra/policy/dist
//   node infra/policy/scripts/build.ts --out <dir>
//   cd infra/policy/dist && pulumi policy publish <organization>
// Why a build: the gate must apply the very rules module `mm evaluate-and-promote` uses (src/promotion), and
// Pulumi Cloud installs a published pack's dependencies from the npm registry, so a workspace package would not
// resolve there. Compiling the pack with the files it imports gives one rules source and a pack that needs
// nothing outside its folder. In the repository the pipelines load infra/policy as it is (index.js).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';

const packDir = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(packDir, '../..');

interface PackManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

export interface BuiltPack {
  dir: string;
  /** Compiled files, relative to `dir`. */
  files: string[];
}

/** Compiles pack.ts and everything it imports (type checking is `npm run typecheck`'s job, not this one's). */
export function buildPolicyPack(outDir: string): BuiltPack {
  rmSync(outDir, { recursive: true, force: true });
  const files: string[] = [];
  const program = ts.createProgram({
    rootNames: [path.join(packDir, 'pack.ts')],
    options: {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      allowImportingTsExtensions: true,
      rewriteRelativeImportExtensions: true,
      verbatimModuleSyntax: true,
      noCheck: true,
      skipLibCheck: true,
      rootDir: repoRoot,
      outDir,
    },
  });
  const result = program.emit(undefined, (file, text) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    files.push(path.relative(outDir, file));
  });
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const host = {
      getCanonicalFileName: (f: string) => f,
      getCurrentDirectory: () => repoRoot,
      getNewLine: () => '\n',
    };
    throw new Error(`policy pack build failed:\n${ts.formatDiagnostics(errors, host)}`);
  }
  const leaked = files.filter((f) => f.startsWith('..') || f.includes('node_modules'));
  if (leaked.length > 0) throw new Error(`policy pack build wrote outside ${outDir}: ${leaked.join(', ')}`);

  const manifest = JSON.parse(readFileSync(path.join(packDir, 'package.json'), 'utf8')) as PackManifest;
  const published = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: manifest.license,
    private: true,
    type: 'module',
    main: 'index.js',
    engines: manifest.engines,
    dependencies: manifest.dependencies ?? {},
  };
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'index.js'), "import './infra/policy/pack.js';\n");
  copyFileSync(path.join(packDir, 'PulumiPolicy.yaml'), path.join(outDir, 'PulumiPolicy.yaml'));
  return { dir: outDir, files: files.sort() };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const built = buildPolicyPack(path.resolve(values.out ?? path.join(packDir, 'dist')));
  console.log(`policy pack built in ${built.dir} (${built.files.length} modules)`);
}
