import { describe, expect, it } from 'vitest';
import { conmonArgs } from './conmon.js';

describe('conmonArgs', () => {
  const launch = {
    conmonPath: '/usr/bin/conmon',
    runtimePath: '/usr/sbin/runc',
    runtimeArgs: ['--root', '/run/flynn-ts/runc'],
    cid: 'flynn-j1',
    bundle: '/s/bundle',
    pidFile: '/s/container.pid',
    conmonPidFile: '/s/conmon.pid',
    exitDir: '/s/exits',
    logPath: '/s/output.log',
    stdin: false,
    tty: false,
  };

  it('logs k8s-file, writes the exit dir, passes the runtime root, and keeps the attach socket in the bundle', () => {
    const a = conmonArgs(launch);
    expect(a.slice(0, 2)).toEqual(['--api-version', '1']);
    expect(a).toEqual(expect.arrayContaining(['-r', '/usr/sbin/runc', '-b', '/s/bundle', '-p', '/s/container.pid', '--exit-dir', '/s/exits', '-l', 'k8s-file:/s/output.log', '--full-attach']));
    expect(a.join(' ')).toContain('--runtime-arg --root --runtime-arg /run/flynn-ts/runc');
    expect(a).not.toContain('-i');
    expect(a).not.toContain('-t');
  });

  it('opens stdin and a terminal when asked', () => {
    const a = conmonArgs({ ...launch, stdin: true, tty: true });
    expect(a).toContain('-i');
    expect(a).toContain('-t');
  });
});
