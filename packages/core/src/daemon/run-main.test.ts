import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isMainModule, packageVersion, runMain } from './run-main.js';
import type { MainProcess } from './run-main.js';

let dir: string;
let file: string;
let link: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flynn-run-main-'));
  file = join(dir, 'main.js');
  link = join(dir, 'the-bin');
  await writeFile(file, '');
  await symlink(file, link);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeProcess(script: string | undefined, ...args: string[]) {
  const out = { exits: [] as number[], stdout: '', stderr: '' };
  const proc: MainProcess = {
    argv: script === undefined ? ['node'] : ['node', script, ...args],
    exit: (code) => void out.exits.push(code),
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
  };
  return { proc, out };
}

describe('isMainModule', () => {
  it('matches the script through a bin symlink, and nothing else', () => {
    const url = pathToFileURL(file).href;
    expect(isMainModule(url, file)).toBe(true);
    expect(isMainModule(url, link)).toBe(true);
    expect(isMainModule(url, join(dir, 'other.js'))).toBe(false);
    expect(isMainModule(url, undefined)).toBe(false);
  });
});

describe('runMain', () => {
  it('does nothing when the module is not the program', () => {
    const { proc, out } = fakeProcess(join(dir, 'other.js'));
    let ran = false;
    expect(runMain(pathToFileURL(file).href, 'x', async () => ((ran = true), 0), { process: proc })).toBeUndefined();
    expect(ran).toBe(false);
    expect(out.exits).toEqual([]);
  });

  it('holds the event loop with a ref\'d timer until main settles (unref\'d retry timers alone would end the process with 0)', async () => {
    const { proc, out } = fakeProcess(link);
    const set = vi.spyOn(globalThis, 'setInterval');
    const clear = vi.spyOn(globalThis, 'clearInterval');
    try {
      let finish!: (code: number) => void;
      const done = runMain(pathToFileURL(file).href, 'x', () => new Promise<number>((r) => (finish = r)), { process: proc });
      expect(set).toHaveBeenCalledTimes(1);
      const hold = set.mock.results[0]!.value as NodeJS.Timeout;
      expect(hold.hasRef()).toBe(true);
      expect(clear).not.toHaveBeenCalled();
      finish(3);
      await done;
      expect(clear).toHaveBeenCalledWith(hold);
      expect(out.exits).toEqual([3]);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  it('exits with the status main resolves with', async () => {
    const { proc, out } = fakeProcess(link);
    await runMain(pathToFileURL(file).href, 'x', async () => 2, { process: proc });
    expect(out.exits).toEqual([2]);
    expect(proc.exitCode).toBe(2);
  });

  it('with exit: false only sets exitCode', async () => {
    const { proc, out } = fakeProcess(file);
    await runMain(pathToFileURL(file).href, 'x', async () => 3, { process: proc, exit: false });
    expect(out.exits).toEqual([]);
    expect(proc.exitCode).toBe(3);
  });

  it('answers --version alone without running main, when given a version', async () => {
    let ran = 0;
    const main = async () => (ran++, 0);
    const v = fakeProcess(file, '--version');
    await runMain(pathToFileURL(file).href, 'x', main, { process: v.proc, version: '1.2.3' });
    expect([v.out.stdout, v.out.exits, ran]).toEqual(['1.2.3\n', [0], 0]);
    const go = fakeProcess(file, '-version');
    await runMain(pathToFileURL(file).href, 'x', main, { process: go.proc, version: '1.2.3' });
    expect(go.out.stdout).toBe('1.2.3\n');
    const other = fakeProcess(file, '--version', '--foo'); // not alone: main decides
    await runMain(pathToFileURL(file).href, 'x', main, { process: other.proc, version: '1.2.3' });
    const none = fakeProcess(file, '--version'); // no version given: main decides
    await runMain(pathToFileURL(file).href, 'x', main, { process: none.proc });
    expect([other.out.stdout, none.out.stdout, ran]).toEqual(['', '', 2]);
  });

  it('packageVersion reads the package.json above src/ or dist/', () => {
    expect(packageVersion(new URL('../index.ts', import.meta.url).href)).toMatch(/^\d+\.\d+\.\d+/);
    expect(packageVersion(pathToFileURL(join(dir, 'no/such/main.js')).href)).toBe('unknown');
  });

  it('prints "<name>: <stack>" and exits 1 when main throws', async () => {
    const { proc, out } = fakeProcess(file);
    await runMain(pathToFileURL(file).href, 'flynn-x', () => Promise.reject(new Error('boom')), { process: proc });
    expect(out.exits).toEqual([1]);
    expect(out.stderr).toMatch(/^flynn-x: Error: boom\n {4}at /);
  });
});
