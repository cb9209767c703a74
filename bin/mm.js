#!/usr/bin/env node
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping), so the CLI needs no build.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `mm: Node.js ${process.versions.node} is too old; many-models needs Node 24 LTS (>= 22.18) to run its TypeScript. ` +
      'See .nvmrc (nvm use) or the README.\n',
  );
  process.exit(2);
}
// The CLI's own modules come from Node's compile cache after the first run (worker threads: see
// src/util/compile-cache.ts).
const { enableCompileCache } = await import('node:module');
if (!process.env.NODE_DISABLE_COMPILE_CACHE) enableCompileCache?.();
await import('../src/cli/main.ts');
