import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pinDir, recoverDir, replaceDirAtomically } from '../../src/data/atomic-dir.ts';
import { listing, useTempDir } from './fixtures.ts';

const tempDir = useTempDir();

/** What a reader of `prepared/` sees. */
const seen = (target: string) => (existsSync(target) ? readdirSync(target).sort() : null);
const versions = (dir: string) => readdirSync(dir).filter((e) => e.startsWith('.prepared.v-'));

async function publish(target: string, file: string): Promise<void> {
  await replaceDirAtomically(target, async (tmp) => writeFile(path.join(tmp, file), file));
}

describe('replaceDirAtomically', () => {
  it('switches a link to a complete new version with one rename and removes the version it replaced', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await publish(target, 'old.txt');
    const value = await replaceDirAtomically(target, async (tmp) => {
      await writeFile(path.join(tmp, 'new.txt'), 'new');
      expect(seen(target)).toEqual(['old.txt']);
      return 42;
    });
    expect(value).toBe(42);
    expect(lstatSync(target).isSymbolicLink()).toBe(true);
    expect(seen(target)).toEqual(['new.txt']);
    expect(versions(dir)).toHaveLength(1);
  });

  it('turns a folder written before versions into a version, keeping the switch one rename', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await mkdir(target);
    await writeFile(path.join(target, 'old.txt'), 'old');
    await publish(target, 'new.txt');
    expect(seen(target)).toEqual(['new.txt']);
    expect(versions(dir)).toHaveLength(1);
  });

  it('leaves the old version untouched and no temporary folder behind when building fails', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await publish(target, 'old.txt');
    const before = readdirSync(dir).sort();
    await expect(
      replaceDirAtomically(target, async (tmp) => {
        await writeFile(path.join(tmp, 'half.txt'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(await readFile(path.join(target, 'old.txt'), 'utf8')).toBe('old.txt');
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
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe('a crash between steps', () => {
  it('given the link lost after a version was written, the next writer or reader points at the newest version again', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await publish(target, 'good.txt');
    await rm(target); // the state a kill leaves between moving an old folder aside and linking the new version
    const pinned = await pinDir(target);
    expect(readdirSync(pinned.dir)).toEqual(['good.txt']);
    expect(seen(target)).toEqual(['good.txt']);
    await pinned.release();
  });

  it('given the backup an older mm left between its two renames, restores it instead of deleting it', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    const backup = path.join(dir, '.prepared.old-999999999-0a0b0c0d');
    await mkdir(backup);
    await writeFile(path.join(backup, 'meta.json'), '{}');
    await mkdir(path.join(dir, '.prepared.tmp-999999999-0a0b0c0d'));
    expect(await recoverDir(target)).toContain('restored from the backup .prepared.old-999999999-0a0b0c0d');
    expect(seen(target)).toEqual(['meta.json']);
    // and a failing rebuild afterwards keeps it
    await expect(
      replaceDirAtomically(target, async () => {
        throw new Error('bad data');
      }),
    ).rejects.toThrow('bad data');
    expect(seen(target)).toEqual(['meta.json']);
  });
});

describe('pinDir', () => {
  it('keeps the version a reader pinned, unchanged, through a switch, and lets the next switch remove it once released', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await publish(target, 'v1.txt');
    const pinned = await pinDir(target);
    await publish(target, 'v2.txt');
    expect(seen(target)).toEqual(['v2.txt']);
    expect(readdirSync(pinned.dir)).toEqual(['v1.txt']);
    expect(versions(dir)).toHaveLength(2);
    await pinned.release();
    await publish(target, 'v3.txt');
    expect(existsSync(pinned.dir)).toBe(false);
    expect(versions(dir)).toHaveLength(1);
  });

  it('reads a plain folder (no versions) as it is', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'prepared');
    await mkdir(target);
    const pinned = await pinDir(target);
    expect(pinned.dir).toBe(target);
    await pinned.release();
  });
});
