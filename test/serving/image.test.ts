import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine here, so the image is checked for what matters: it runs as non-root on a small base, its
 * entry point exists, and that entry point loads only the packages the service needs (the image omits the
 * infrastructure program's Pulumi packages).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(`${ROOT}Dockerfile.serve`, 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => /^[A-Z]+ /.test(line));
const last = (keyword: string) => instructions.filter((line) => line.startsWith(`${keyword} `)).at(-1);

// Records every package a process resolves, through Node's synchronous module hooks.
const TRACE = [
  'data:text/javascript,',
  'import { registerHooks } from "node:module";',
  'const seen = new Set();',
  'registerHooks({ resolve(specifier, context, next) {',
  '  const result = next(specifier, context);',
  '  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(result.url);',
  '  if (match && !seen.has(match[1])) { seen.add(match[1]); process.stderr.write("LOADED " + match[1] + "\\n"); }',
  '  return result;',
  '} });',
].join('');

describe('Dockerfile.serve', () => {
  it('runs as the distroless non-root user on a small base', () => {
    expect(last('FROM')).toMatch(/^FROM gcr\.io\/distroless\/nodejs24-debian12:nonroot$/);
    expect(last('USER')).toBe('USER 65532:65532');
    expect(last('EXPOSE')).toBe('EXPOSE 8080');
  });

  it('starts the service entry point, listening on all interfaces inside the container', () => {
    const entrypoint = JSON.parse(last('ENTRYPOINT')!.slice('ENTRYPOINT '.length)) as string[];
    expect(entrypoint).toEqual(['/nodejs/bin/node', 'src/serving/main.ts']);
    expect(existsSync(`${ROOT}${entrypoint[1]}`)).toBe(true);
    const cmd = JSON.parse(last('CMD')!.slice('CMD '.length)) as string[];
    expect(cmd.join(' ')).toContain('--host 0.0.0.0 --port 8080');
  });

  it('installs production dependencies only, without install scripts', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev --ignore-scripts/);
  });

  it('has an entry point that loads the service without Pulumi, DuckDB or the report', () => {
    const run = spawnSync(process.execPath, ['--import', TRACE, 'src/serving/main.ts', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: mm-serve [options]');
    const loaded = new Set([...run.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]));
    expect(loaded).toContain('fastify');
    expect(loaded).toContain('prom-client');
    for (const heavy of ['@pulumi/pulumi', '@duckdb/node-api', 'echarts', 'piscina', 'mssql']) {
      expect(loaded).not.toContain(heavy);
    }
  });
});
