import { describe, expect, it } from 'vitest';
import { byteSize, ConfigError, duration, hostJsonArgs, milliCpus, parseDaemonArgs, parseTags } from './daemon-config.js';

const machine = { hostname: 'my-host-1', isRoot: false, hasRunc: false };

describe('flynn-host daemon flags', () => {
  it('has the original defaults', () => {
    const c = parseDaemonArgs([], machine);
    expect(c).toMatchObject({
      httpPort: 1113,
      stateDir: '/var/lib/flynn/host-state',
      id: 'myhost1',
      tags: {},
      volPath: '/var/lib/flynn/volumes',
      logDir: '/var/log/flynn',
      bridgeName: 'flynnbr0',
      driver: 'process',
      runtime: 'runc',
      resurrect: true,
      maxJobConcurrency: 4,
      stopGraceMs: 30_000,
      stopJobsOnExit: false,
    });
    expect(parseDaemonArgs([], { ...machine, isRoot: true, hasRunc: true })).toMatchObject({ driver: 'oci' });
  });

  it('parses every flag; host.json args come first so the command line wins', () => {
    const c = parseDaemonArgs(
      ['--http-port=2000', '--external-ip', '10.0.0.5', '--tags', 'a=1,b=x=y', '--no-resurrect', '--driver', 'oci', '--runtime', 'crun', '--discoverd', 'http://10.0.0.5:1111', '--stop-grace', '500ms', '--max-job-concurrency', '16', '--subnet', '100.100.1.1/24', '--force'],
      machine,
      ['--http-port', '1999', '--id', 'fromconfig'],
    );
    expect(c).toMatchObject({ httpPort: 2000, id: 'fromconfig', externalIp: '10.0.0.5', tags: { a: '1', b: 'x=y' }, resurrect: false, driver: 'oci', runtime: 'crun', discoverd: 'http://10.0.0.5:1111', stopGraceMs: 500, maxJobConcurrency: 16, subnet: '100.100.1.1/24', ignored: ['force'] });
    expect(parseDaemonArgs(['--backend', 'libcontainer'], machine)).toMatchObject({ driver: 'oci', ignored: [] });
    expect(parseDaemonArgs([], machine)).toMatchObject({ cgroupParent: 'flynn', layerUnmountDelayMs: 30_000 });
    expect(parseDaemonArgs(['--layer-unmount-delay', '0'], machine)).toMatchObject({ layerUnmountDelayMs: 0 });
    expect(parseDaemonArgs(['--cgroup-parent', '/flynn/jobs'], machine)).toMatchObject({ cgroupParent: '/flynn/jobs' });
    expect(parseDaemonArgs(['--help'], machine)).toBe('help');
  });

  it('parses the capacity offered to jobs: --memory (bytes or K/M/G/T) and --cpus (fractions allowed)', () => {
    const c = parseDaemonArgs(['--memory', '4G', '--cpus', '1.5'], machine);
    expect(c).toMatchObject({ memoryBytes: 4 * 1024 ** 3, milliCpus: 1500 });
    expect(parseDaemonArgs([], machine)).not.toHaveProperty('memoryBytes');
    expect(parseDaemonArgs([], machine)).not.toHaveProperty('milliCpus');
    expect([byteSize('1048576', 'x'), byteSize('512M', 'x'), byteSize('2GiB', 'x'), byteSize('1.5g', 'x'), byteSize('1T', 'x')]).toEqual([1048576, 512 * 1024 ** 2, 2 * 1024 ** 3, 1.5 * 1024 ** 3, 1024 ** 4]);
    expect([milliCpus('2', 'x'), milliCpus('0.25', 'x')]).toEqual([2000, 250]);
    for (const bad of ['0', '-1', 'lots', '4X', '']) expect(() => byteSize(bad, '--memory')).toThrow(/--memory/);
    for (const bad of ['0', '-2', 'two', '1e3']) expect(() => milliCpus(bad, '--cpus')).toThrow(/--cpus/);
  });

  it('rejects bad values with a ConfigError naming the flag', () => {
    for (const [args, re] of [
      [['--driver', 'docker'], /--driver/],
      [['--http-port', '70000'], /--http-port/],
      [['--tags', 'novalue'], /invalid tag/],
      [['--stop-grace', 'soon'], /--stop-grace/],
      [['--bogus'], /bogus/],
      [['--discoverd', 'ftp://x'], /--discoverd/],
      [['--id', 'has space'], /invalid host id/],
      [['--cgroup-parent', '../escape'], /--cgroup-parent/],
      [['--cgroup-parent', 'a//b'], /--cgroup-parent/],
    ] as const) {
      expect(() => parseDaemonArgs(args, machine)).toThrow(ConfigError);
      expect(() => parseDaemonArgs(args, machine)).toThrow(re);
    }
  });

  it('reads host.json args', () => {
    expect(hostJsonArgs(undefined)).toEqual([]);
    expect(hostJsonArgs('{"args":["--external-ip","1.2.3.4"],"env":{}}')).toEqual(['--external-ip', '1.2.3.4']);
    expect(() => hostJsonArgs('{"args":[1]}')).toThrow(ConfigError);
    expect(() => hostJsonArgs('nope')).toThrow(/not JSON/);
    expect(parseTags('')).toEqual({});
    expect(duration('1m', 'x')).toBe(60_000);
    expect(duration('250', 'x')).toBe(250);
  });
});
