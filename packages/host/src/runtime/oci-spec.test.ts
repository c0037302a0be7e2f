import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../contracts.js';
import { buildOciConfig, DEFAULT_CAPABILITIES, DEFAULT_PATH, INIT_TARGET } from './oci-spec.js';

const base: ContainerSpec = {
  jobId: 'host1-abc',
  args: ['/bin/server', '--port', '8080'],
  env: { PORT: '8080', FOO: 'bar' },
  hostname: 'host1-abc',
  tty: false,
  stdin: false,
  lowerDirs: ['/layers/base', '/layers/app'],
  tempDiskBytes: 100 * 1024 * 1024,
  limits: { memoryBytes: 1 << 30, cpuShares: 1024, maxFd: 10000, maxProcs: 512, pids: 2048 },
  network: { mode: 'netns', netnsPath: '/run/netns/flynn-abc' },
  mounts: [
    { source: '/etc/flynn/resolv.conf', target: '/etc/resolv.conf', writeable: false },
    { source: '/var/lib/flynn/volumes/v1', target: '/data', writeable: true },
  ],
  stateDir: '/var/lib/flynn/jobs/host1-abc',
};

describe('buildOciConfig', () => {
  it('prefixes the args with the init and bind-mounts it read-only', () => {
    const c = buildOciConfig(base, { cgroupsPath: 'flynn/flynn-host1-abc', initPath: '/usr/bin/tini-static' });
    expect(c.process.args).toEqual([INIT_TARGET, '-s', '-g', '--', '/bin/server', '--port', '8080']);
    expect(c.mounts).toContainEqual({ destination: INIT_TARGET, type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro', 'nosuid', 'nodev'] });
  });

  it('runs the job as PID 1 without an init', () => {
    const c = buildOciConfig(base, { cgroupsPath: 'x' });
    expect(c.process.args).toEqual(base.args);
    expect(c.mounts.find((m) => m.destination === INIT_TARGET)).toBeUndefined();
  });

  it('joins the job network namespace by path and makes pid/ipc/uts/mount ones', () => {
    const c = buildOciConfig(base, { cgroupsPath: 'x' });
    expect(c.linux.namespaces).toEqual([{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: '/run/netns/flynn-abc' }]);
  });

  it('shares the host network (no network namespace) in host mode', () => {
    const c = buildOciConfig({ ...base, network: { mode: 'host' } }, { cgroupsPath: 'x' });
    expect(c.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount']);
  });

  it('maps the limits to rlimits and cgroup resources', () => {
    const c = buildOciConfig(base, { cgroupsPath: 'flynn/x' });
    expect(c.process.rlimits).toEqual([
      { type: 'RLIMIT_NOFILE', hard: 10000, soft: 10000 },
      { type: 'RLIMIT_NPROC', hard: 512, soft: 512 },
    ]);
    expect(c.linux.resources).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 1 << 30, swap: 1 << 30 },
      cpu: { shares: 1024 },
      pids: { limit: 2048 },
    });
    expect(c.linux.cgroupsPath).toBe('flynn/x');
  });

  it('leaves out limits that are not set, and swap without swap accounting', () => {
    const c = buildOciConfig({ ...base, limits: { memoryBytes: 32 << 20 } }, { cgroupsPath: 'x', limitSwap: false });
    expect(c.process.rlimits).toEqual([]);
    expect(c.linux.resources).toEqual({ devices: [{ allow: false, access: 'rwm' }], memory: { limit: 32 << 20 } });
  });

  it('passes the env, adding PATH and HOSTNAME when missing, TERM with a tty', () => {
    const c = buildOciConfig({ ...base, tty: true }, { cgroupsPath: 'x' });
    expect(c.process.env).toEqual(['PORT=8080', 'FOO=bar', `PATH=${DEFAULT_PATH}`, 'HOSTNAME=host1-abc', 'TERM=xterm']);
    expect(c.process.terminal).toBe(true);
    const own = buildOciConfig({ ...base, env: { PATH: '/bin', HOSTNAME: 'h', TERM: 'dumb' }, tty: true }, { cgroupsPath: 'x' });
    expect(own.process.env).toEqual(['PATH=/bin', 'HOSTNAME=h', 'TERM=dumb']);
  });

  it('sets user, cwd, hostname and a writable overlay root', () => {
    const c = buildOciConfig({ ...base, uid: 1000, gid: 100, workingDir: '/app' }, { cgroupsPath: 'x' });
    expect(c.process.user).toEqual({ uid: 1000, gid: 100 });
    expect(c.process.cwd).toBe('/app');
    expect(c.hostname).toBe('host1-abc');
    expect(c.root).toEqual({ path: 'rootfs', readonly: false });
    const d = buildOciConfig(base, { cgroupsPath: 'x' });
    expect(d.process.user).toEqual({ uid: 0, gid: 0 });
    expect(d.process.cwd).toBe('/');
  });

  it('mounts /proc, /dev, /dev/pts, /dev/shm, mqueue, /sys read-only, then the job mounts', () => {
    const c = buildOciConfig(base, { cgroupsPath: 'x', shmBytes: 1 << 20 });
    expect(c.mounts.map((m) => m.destination)).toEqual(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/etc/resolv.conf', '/data']);
    expect(c.mounts.find((m) => m.destination === '/sys')?.options).toContain('ro');
    expect(c.mounts.find((m) => m.destination === '/dev/shm')?.options).toContain(`size=${1 << 20}`);
    expect(c.mounts.find((m) => m.destination === '/etc/resolv.conf')).toEqual({ destination: '/etc/resolv.conf', type: 'bind', source: '/etc/flynn/resolv.conf', options: ['rbind', 'ro', 'nosuid', 'nodev'] });
    expect(c.mounts.find((m) => m.destination === '/data')?.options).toContain('rw');
  });

  it("uses Docker's default capabilities, masked and read-only paths", () => {
    const c = buildOciConfig(base, { cgroupsPath: 'x' });
    expect(c.process.capabilities.bounding).toEqual([...DEFAULT_CAPABILITIES]);
    expect(c.process.capabilities.effective).toEqual([...DEFAULT_CAPABILITIES]);
    expect(c.process.capabilities.bounding).not.toContain('CAP_SYS_ADMIN');
    expect(c.linux.maskedPaths).toContain('/proc/kcore');
    expect(c.linux.readonlyPaths).toContain('/proc/sys');
    const custom = buildOciConfig(base, { cgroupsPath: 'x', capabilities: ['CAP_NET_BIND_SERVICE'] });
    expect(custom.process.capabilities.permitted).toEqual(['CAP_NET_BIND_SERVICE']);
    // A job's linux_capabilities are added to the driver's set (flannel needs CAP_NET_ADMIN).
    const job = buildOciConfig({ ...base, capabilities: ['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE'] }, { cgroupsPath: 'x', capabilities: ['CAP_NET_BIND_SERVICE'] });
    expect(job.process.capabilities.effective).toEqual(['CAP_NET_BIND_SERVICE', 'CAP_NET_ADMIN']);
  });

  it('is deterministic and does not alias the spec', () => {
    const a = buildOciConfig(base, { cgroupsPath: 'x', initPath: '/tini' });
    const b = buildOciConfig(base, { cgroupsPath: 'x', initPath: '/tini' });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    a.process.args.push('mutated');
    expect(base.args).toHaveLength(3);
  });
});
