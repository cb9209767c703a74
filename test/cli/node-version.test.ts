import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');

/** The machine's own Node when it is older than 22 (Debian's Node 20 on our machines), else undefined. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (Number(version.split('.')[0]) < 22) return path.dirname(candidate);
    } catch {}
  }
  return undefined;
}

const oldBin = oldNode();
if (!oldBin && !process.env.CI)
  console.warn('skipping the old-Node test: no Node older than 22 on this machine');

describe('npm start and npm test on an old Node', () => {
  it.skipIf(!oldBin && !process.env.CI).each(['start', 'test'])(
    'given Node 20 first on PATH, `npm %s` stops at once with the one-line way to get Node 24',
    (script) => {
      if (!oldBin) throw new Error('CI: no Node older than 22 found to run this test with');
      const result = spawnSync('npm', ['run', script], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${oldBin}:/usr/bin:/bin` },
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('many-models needs Node 24');
      expect(result.stderr).toContain('npm install --no-save --prefix ~/.cache/many-models/node24 node@24');
      expect(result.stderr).not.toContain('Unknown file extension');
    },
  );

  it('given Node 24, the check passes silently', () => {
    const result = spawnSync(process.execPath, [path.join(repo, 'scripts/check-node.mjs')], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });
});
