import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFilesAtomic } from '../../src/util/atomic-batch.ts';

describe('writeFilesAtomic', () => {
  it('given files in new and existing folders, when written durably, then each holds its new content and no temporary file is left', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mm-atomic-batch-'));
    const files = Array.from({ length: 50 }, (_, i) => ({
      file: path.join(root, `m${i % 7}`, `p${i}.json`),
      data: `{"i":${i}}\n`,
    }));
    writeFileSync(path.join(root, 'old.json'), 'old');
    files.push({ file: path.join(root, 'old.json'), data: 'new' });

    writeFilesAtomic(files);

    for (const { file, data } of files) expect(readFileSync(file, 'utf8')).toBe(data);
    const names = readdirSync(root, { recursive: true }).map(String);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('given a writer that lost its lock, when the commit check throws, then every target keeps its old content and the temporary files are removed', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mm-atomic-batch-'));
    const target = path.join(root, 'latest.json');
    writeFileSync(target, 'v1');

    expect(() =>
      writeFilesAtomic(
        [
          { file: target, data: 'v2' },
          { file: path.join(root, 'other', 'latest.json'), data: 'x' },
        ],
        {
          durable: false,
          beforeCommit: () => {
            throw new Error('lock lost');
          },
        },
      ),
    ).toThrow('lock lost');

    expect(readFileSync(target, 'utf8')).toBe('v1');
    const names = readdirSync(root, { recursive: true }).map(String);
    expect(names.sort()).toEqual(['latest.json', 'other']);
  });
});
