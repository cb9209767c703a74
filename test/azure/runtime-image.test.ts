import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The Dockerfile cannot be built here (no Docker engine); these checks hold it to what the jobs rely on. */
describe('pipelines/Dockerfile (the runtime image of the AML jobs)', () => {
  it('is Node 24 with the built package, running as a non-root user', async () => {
    const text = await readFile(path.join(ROOT, 'pipelines/Dockerfile'), 'utf8');
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages.every((s) => s.startsWith('node:24-'))).toBe(true);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('COPY --from=build --chown=root:root /src/dist ./dist');
    expect(runtime).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
    expect(text).toContain('npm ci --omit=dev');
    // The job specs run `cd /app && node dist/src/cli/main.js ...`.
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
  });

  it('may drop the Pulumi SDKs: nothing the image runs (src/, steps/) imports them', async () => {
    const offenders: string[] = [];
    for (const file of [...(await sourceFiles('src')), ...(await sourceFiles('steps'))]) {
      if (/from ['"]@pulumi\//.test(await readFile(file, 'utf8'))) offenders.push(path.relative(ROOT, file));
    }
    expect(offenders).toEqual([]);
  });

  it('builds from tsconfig.build.json, which compiles src and steps into dist', async () => {
    const build = JSON.parse(await readFile(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));
    expect(build.compilerOptions.outDir).toBe('dist');
    expect(build.include).toEqual(expect.arrayContaining(['src', 'steps']));
  });
});
