import { describe, expect, it } from 'vitest';
import { expectedOomCounterFile, initTakesSignal, oomCounterFile, parseOomKillCount, parseProcCgroup, parseProcStat } from './proc-stat.js';

describe('parseProcStat', () => {
  it('reads state, ppid, pgrp and start time, also with odd comms', () => {
    const rest = 'S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100 18446744073709551615';
    expect(parseProcStat(`4242 (sleep) ${rest}`)).toEqual({ pid: 4242, comm: 'sleep', state: 'S', ppid: 1, pgrp: 4242, startTime: 987654 });
    expect(parseProcStat(`7 (a) (b c)) ${rest}`)?.comm).toBe('a) (b c)');
    expect(parseProcStat(`7 (a) (b c)) ${rest}`)?.startTime).toBe(987654);
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseProcStat('1 (x) S 0')).toBeUndefined();
  });
});

describe('cgroups', () => {
  const v1 = '9:name=systemd:/\n8:pids:/flynn/c1\n4:memory:/process_api/abc/flynn/c1\n2:cpu,cpuacct:/flynn/c1\n0::/\n';
  it('maps controllers to paths', () => {
    const m = parseProcCgroup(v1);
    expect(m.get('memory')).toBe('/process_api/abc/flynn/c1');
    expect(m.get('cpuacct')).toBe('/flynn/c1');
    expect(m.get('')).toBe('/');
  });

  it('finds the OOM counter file on v1/hybrid and v2', () => {
    expect(oomCounterFile(v1, 'v1')).toBe('/sys/fs/cgroup/memory/process_api/abc/flynn/c1/memory.oom_control');
    expect(oomCounterFile('0::/system.slice/flynn/c1\n', 'v2')).toBe('/sys/fs/cgroup/system.slice/flynn/c1/memory.events');
    expect(oomCounterFile('0::/x\n', 'v1')).toBeUndefined();
  });

  it('reads the oom_kill counter of memory.oom_control and memory.events', () => {
    expect(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).toBe(2);
    expect(parseOomKillCount('low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n')).toBe(1);
    expect(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\n')).toBe(0);
  });
});

describe('expectedOomCounterFile', () => {
  it('follows runc: relative under the own cgroup (v1) or its parent (v2), absolute from the root', () => {
    expect(expectedOomCounterFile('v1', '/process_api/abc', 'flynn/c1')).toBe('/sys/fs/cgroup/memory/process_api/abc/flynn/c1/memory.oom_control');
    expect(expectedOomCounterFile('v1', '/', 'flynn/c1')).toBe('/sys/fs/cgroup/memory/flynn/c1/memory.oom_control');
    expect(expectedOomCounterFile('v1', '/x', '/flynn/c1')).toBe('/sys/fs/cgroup/memory/flynn/c1/memory.oom_control');
    expect(expectedOomCounterFile('v2', '/system.slice/flynn-host.service', 'flynn/c1')).toBe('/sys/fs/cgroup/system.slice/flynn/c1/memory.events');
    expect(expectedOomCounterFile('v2', '/', 'flynn/c1')).toBe('/sys/fs/cgroup/flynn/c1/memory.events');
  });
});

describe('initTakesSignal', () => {
  const status = (state: string, blk: string, cgt: string) =>
    `Name:\ttini-static\nState:\t${state}\nSigQ:\t0/31\nSigPnd:\t0000000000000000\nSigBlk:\t${blk}\nSigIgn:\t0000000000000000\nSigCgt:\t${cgt}\n`;
  it('is ready when the init blocks or catches the signal (bit n-1 for signal n)', () => {
    expect(initTakesSignal(status('R (running)', 'fffffffe7ffbfeff', '0000000000000000'), 15)).toBe(true);
    expect(initTakesSignal(status('R (running)', '0000000000000000', '0000000000004000'), 15)).toBe(true);
    expect(initTakesSignal(status('R (running)', '8000000000000000', '0'), 64)).toBe(true);
  });
  it('is ready when it sleeps (tini in sigtimedwait shows the signals unblocked), not while it only runs', () => {
    expect(initTakesSignal(status('S (sleeping)', '0000000000000000', '0000000000000000'), 15)).toBe(true);
    expect(initTakesSignal(status('R (running)', '0000000000000000', '0000000000004000'), 2)).toBe(false);
    expect(initTakesSignal(status('R (running)', '0000000000000000', '0000000000000000'), 15)).toBe(false);
  });
  it('is false for garbage and out-of-range signals', () => {
    expect(initTakesSignal('', 15)).toBe(false);
    expect(initTakesSignal(status('S (sleeping)', 'ffffffffffffffff', '0'), 0)).toBe(false);
  });
});
