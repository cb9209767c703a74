#!/usr/bin/env node
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping), so the CLI needs no build.
import '../src/cli/main.ts';
