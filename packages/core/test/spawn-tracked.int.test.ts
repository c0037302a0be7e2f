/**
 * spawnTracked with real `sh -c` children: lines, exit status, stop with a
 * grace period, killAllTracked. Entering a namespace: spawn-tracked-netns.priv.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, killAllTracked, safeKill, spawnTracked, trackedProcesses, waitFor } from '../src/testing/index.js';

afterEach(async () => {
  await killAllTracked();
});

describe('spawnTracked', () => {
  it('collects stdout and stderr lines in order, including an unterminated last line', async () => {
    const seen: string[] = [];
    const p = spawnTracked(['sh', '-c', 'echo one; sleep 0.05; echo two >&2; sleep 0.05; printf three'], {
      name: 'echo',
      onLine: (line, stream) => seen.push(`${stream}:${line}`),
    });
    expect(await p.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => p.lines.length === 3, { what: 'three lines' });
    expect(p.lines).toEqual(['one', 'two', 'three']);
    expect(seen).toEqual(['stdout:one', 'stderr:two', 'stdout:three']);
    expect(p.alive).toBe(false);
  });

  it('captures only stderr when asked, and keeps the last maxLines', async () => {
    const p = spawnTracked(['sh', '-c', 'echo out; for i in 1 2 3 4 5; do echo e$i >&2; done'], { name: 'tail', capture: 'stderr', maxLines: 2 });
    await p.exited;
    await waitFor(() => p.lines.includes('e5'), { what: 'e5' });
    expect(p.lines).toEqual(['e4', 'e5']);
  });

  it('passes env and cwd, with FORCE_COLOR=0', async () => {
    const p = spawnTracked(['sh', '-c', 'echo "$FOO $FORCE_COLOR $(pwd)"'], { name: 'env', env: { FOO: 'bar' }, cwd: '/' });
    await p.exited;
    await waitFor(() => p.lines.length === 1);
    expect(p.lines).toEqual(['bar 0 /']);
  });

  it('reports the exit code', async () => {
    const p = spawnTracked(['sh', '-c', 'exit 3'], { name: 'fail' });
    expect(await p.exited).toEqual({ code: 3, signal: null });
  });

  it('stop() sends SIGTERM and resolves with the exit; SIGKILL after the grace period when ignored', async () => {
    const polite = spawnTracked(['sh', '-c', 'echo ready; exec sleep 60'], { name: 'polite' });
    await waitFor(() => polite.lines.includes('ready'));
    expect(await polite.stop()).toEqual({ code: null, signal: 'SIGTERM' });

    const stubborn = spawnTracked(['sh', '-c', "trap '' TERM; echo ready; while :; do sleep 0.05; done"], { name: 'stubborn' });
    await waitFor(() => stubborn.lines.includes('ready'));
    expect(await stubborn.stop('SIGTERM', 200)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isAlive(stubborn.pid)).toBe(false);
    expect(await stubborn.stop()).toEqual({ code: null, signal: 'SIGKILL' }); // already gone: just the status
  });

  it('tracks live processes and killAllTracked kills them all', async () => {
    const a = spawnTracked(['sleep', '60'], { name: 'a' });
    const b = spawnTracked(['sleep', '60'], { name: 'b' });
    expect(trackedProcesses().map((p) => p.name).sort()).toEqual(['a', 'b']);
    expect(isAlive(a.pid)).toBe(true);
    await killAllTracked();
    expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await b.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(trackedProcesses()).toEqual([]);
    expect(() => safeKill(a.pid, 'SIGKILL')).not.toThrow();
  });

  it('throws when the program cannot be spawned', () => {
    expect(() => spawnTracked(['/nonexistent/program'], { name: 'ghost' })).toThrow('spawn of ghost failed');
  });
});
