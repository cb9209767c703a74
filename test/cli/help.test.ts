// What a user reads first: `mm --version`, and help whose command descriptions are sentences, whose option
// descriptions are fragments, and which states the exit codes once for every command. Through the real launcher.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const mm = (...args: string[]) =>
  execa(process.execPath, [path.join(repo, 'bin/mm.js'), ...args], { reject: false, all: true });

describe('mm help', () => {
  it('prints the package version for --version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = await mm('--version');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('states the exit codes at the end of the top-level help', async () => {
    const result = await mm('--help');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Exit codes \(every command\):\n {2}0 {2}done\n {2}1 .*\n {2}2 .*\n {2}3 /);
  });

  it('describes every command in a sentence and every option in a fragment', () => {
    for (const command of buildProgram().commands) {
      expect(command.description(), command.name()).toMatch(/^[A-Z].*\.$/s);
      for (const option of command.options) {
        expect(option.description, `${command.name()} ${option.flags}`).not.toMatch(/\.$/);
      }
    }
  });
});
