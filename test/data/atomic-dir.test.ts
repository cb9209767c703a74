import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceDirAtomically } from '../../src/data/atomic-dir.ts';
import { listing, useTempDir } from './fixtures.ts';

const tempDir = useTempDir();

describe('replaceDirAtomically', () => {
  it('swaps a complete new folder in for the old one', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await mkdir(target);
    await writeFile(path.join(target, 'old.txt'), 'old');
    const value = await replaceDirAtomically(target, async (tmp) => {
      await writeFile(path.join(tmp, 'new.txt'), 'new');
      expect(listing(target)).toEqual(['old.txt']);
      return 42;
    });
    expect(value).toBe(42);
    expect(listing(dir)).toEqual(['prepared', 'prepared/new.txt']);
  });

  it('leaves the old folder untouched and no temporary folder behind when building fails', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await mkdir(target);
    await writeFile(path.join(target, 'old.txt'), 'old');
    await expect(
      replaceDirAtomically(target, async (tmp) => {
        await writeFile(path.join(tmp, 'half.txt'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(listing(dir)).toEqual(['prepared', 'prepared/old.txt']);
    expect(await readFile(path.join(target, 'old.txt'), 'utf8')).toBe('old');
  });

  it('removes the parent folder it created when building fails', async () => {
    const dir = await tempDir();
    await expect(
      replaceDirAtomically(path.join(dir, 'lake', 'prepared'), async () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(listing(dir)).toEqual([]);
  });

  it('cleans up what a killed writer left, but not the work of a live one', async () => {
    const dir = await tempDir();
    const dead = path.join(dir, '.prepared.tmp-999999999-0a0b0c0d');
    const live = path.join(dir, `.prepared.tmp-${process.pid}-01020304`);
    await mkdir(dead);
    await mkdir(live);
    await replaceDirAtomically(path.join(dir, 'prepared'), async () => undefined);
    expect(listing(dir)).toEqual(['.prepared.tmp-' + `${process.pid}-01020304`, 'prepared']);
  });
});
