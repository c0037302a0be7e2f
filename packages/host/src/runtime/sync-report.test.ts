import { describe, expect, it } from 'vitest';
import { monitorArgs } from './flynn-monitor.js';
import { parseSyncLine } from './sync-report.js';

describe('parseSyncLine', () => {
  it('reads the pid, and the monitor pid when flynn-monitor sends it', () => {
    expect(parseSyncLine('m', '{"data":123}')).toEqual([undefined, { pid: 123 }]);
    expect(parseSyncLine('m', '{"data":123,"monitor":45}')).toEqual([undefined, { pid: 123, monitorPid: 45 }]);
  });

  it('turns a refusal or garbage into FLYNN_HOST_RUNTIME_START with the reason', () => {
    const [refused] = parseSyncLine('m', '{"data":-1,"message":"chdir to cwd (\\"/etc/passwd\\"): not a directory"}');
    expect(refused?.code).toBe('FLYNN_HOST_RUNTIME_START');
    expect(refused?.message).toContain('/etc/passwd');
    expect(parseSyncLine('flynn-monitor', 'nope')[0]?.message).toContain('flynn-monitor sent "nope"');
    expect(parseSyncLine('m', '{"data":1.5}')[0]?.code).toBe('FLYNN_HOST_RUNTIME_START');
  });
});

describe('monitorArgs', () => {
  const base = { monitorPath: '/m', runtimePath: '/usr/sbin/runc', runtimeArgs: ['--root', '/run/r'], cid: 'flynn-j', bundle: '/s/bundle', pidFile: '/s/scratch/container.pid' };
  const launch = { ...base, monitorPidFile: '/s/conmon.pid', exitFile: '/s/exits/flynn-j', logPath: '/s/output.log', stdin: false, tty: false };

  it('passes runtime args one by one and the rootfs only when given', () => {
    expect(monitorArgs(launch)).toEqual([
      '--runtime',
      '/usr/sbin/runc',
      '--runtime-arg',
      '--root',
      '--runtime-arg',
      '/run/r',
      '--cid',
      'flynn-j',
      '--bundle',
      '/s/bundle',
      '--pid-file',
      '/s/scratch/container.pid',
      '--monitor-pid-file',
      '/s/conmon.pid',
      '--exit-file',
      '/s/exits/flynn-j',
      '--log',
      '/s/output.log',
    ]);
    const a = monitorArgs({
      ...launch,
      stdin: true,
      tty: true,
      rootfs: { scratch: '/s/scratch', rootfs: '/s/bundle/rootfs', tmpfsOptions: 'size=4096', overlayOptions: 'lowerdir=/l' },
    });
    expect(a.slice(-10)).toEqual(['--scratch', '/s/scratch', '--rootfs', '/s/bundle/rootfs', '--tmpfs-opts', 'size=4096', '--overlay-opts', 'lowerdir=/l', '--stdin', '--tty']);
  });
});
