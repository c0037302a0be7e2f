import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlynnError } from '@flynn-ts/core';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import type { ContainerSpec, OutputChunk } from '../src/contracts.js';
import { OciDriver } from '../src/runtime/oci-driver.js';
import { expectedOomCounterFile } from '../src/runtime/core/proc-stat.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import { makeDriverDirs, procAlive, specMaker, teardownDriver } from './driver-fixture.js';
import type { FixtureJob } from './driver-fixture.js';
import { collectOutput, listContainers, startInChildDaemon } from './runtime-fixtures.js';

const missing = missingRequirements({
  root: true,
  commands: ['runc', 'conmon', 'perl', 'mount', 'umount', 'ip'],
  paths: ['/usr/bin/busybox', '/usr/bin/tini-static'],
});
// The whole driver contract under both monitors: flynn-monitor (the default once built) and the conmon fallback.
const monitorBuilt = existsSync(fileURLToPath(new URL('../build/Release/flynn-monitor', import.meta.url)));
const monitors: ('flynn' | 'conmon')[] = monitorBuilt || process.env.CI === 'true' ? ['flynn', 'conmon'] : ['conmon'];

const alive = procAlive;

describe.skipIf(missing).each(monitors)('OciDriver with runc + %s (root)', (monitor) => {
  const cgroupParent = `flynn-test-${monitor}-${process.pid}`;
  const netns = `flynn-test-${monitor}-${process.pid}`;
  let dir = '';
  let lower = '';
  let runtimeRoot = '';
  let driver: OciDriver;
  const jobs: FixtureJob[] = [];
  const children: number[] = [];
  const options = () => ({ runtimeRoot, cgroupParent, pollIntervalMs: 100, monitor });

  const spec = specMaker(jobs, () => ({ dir, lower }));
  const run = async (jobId: string, args: string[], over: Partial<ContainerSpec> = {}) => {
    const h = await driver.start(spec(jobId, args, over));
    const [exit, out] = await Promise.all([h.wait(), collectOutput(h.output())]);
    return { exit, ...out, handle: h };
  };

  beforeAll(() => {
    ({ dir, lower, runtimeRoot } = makeDriverDirs('flynn-oci-', 'runc-root'));
    driver = new OciDriver(options());
  });

  afterAll(async () => {
    await teardownDriver({ driver, jobs, children, dir, runtimeRoot, cgroupParent, beforeRemove: () => spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' }) });
  });

  it('reports exit codes 0 and 3 with stdout and stderr', async () => {
    const ok = await run('exit0', ['sh', '-c', 'echo out; echo err >&2']);
    expect(ok.exit).toEqual({ code: 0, oomKilled: false });
    expect([ok.stdout, ok.stderr]).toEqual(['out\n', 'err\n']);
    const three = await run('exit3', ['sh', '-c', 'exit 3']);
    expect(three.exit).toEqual({ code: 3, oomKilled: false });
  });

  it('stops on SIGTERM through tini (143) and SIGKILL (137)', async () => {
    // sleep is not PID 1 (tini is), so SIGTERM works: tini forwards it to the job's process group.
    const term = await driver.start(spec('term', ['sleep', '1000']));
    await term.signal(15);
    expect(await term.wait()).toEqual({ code: 143, signal: 'SIGTERM', oomKilled: false });
    const kill = await driver.start(spec('kill', ['sh', '-c', 'trap "" TERM; sleep 1000']));
    await kill.signal(9);
    expect(await kill.wait()).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: false });
  });

  it('isolates the job: PID 1 is its init, its own hostname, none of the host processes', async () => {
    const r = await run('isolation', ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; hostname; ps -o pid,args | tail -n +2 | wc -l; id -u']);
    const [init, hostname, procs, uid] = r.stdout.trim().split('\n');
    expect(init).toBe('/.flynn-init -s -g -- sh -c cat /proc/1/cmdline | tr "\\0" " "; echo; hostname; ps -o pid,args | tail -n +2 | wc -l; id -u ');
    expect(hostname).toBe('job-isolation');
    // tini, sh, ps, tail, wc: only the job's own processes.
    expect(Number(procs)).toBeLessThanOrEqual(5);
    expect(uid).toBe('0');
    expect(r.exit.code).toBe(0);
  });

  it('applies max_fd, uid/gid and the cgroup limits (memory, pids, cpu shares)', async () => {
    const h = await driver.start(spec('limits', ['sh', '-c', 'ulimit -n; id -u; id -g; read x'], { stdin: true, uid: 65534, gid: 65534, limits: { maxFd: 4321, pids: 77, memoryBytes: 64 << 20, cpuShares: 512 } }));
    const cg = new Map(readFileSync(`/proc/${h.pid}/cgroup`, 'utf8').trim().split('\n').map((l) => [l.split(':')[1]!, l.split(':')[2]!] as const));
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const read = (ctrl: string, file: string) => readFileSync(v2 ? `/sys/fs/cgroup${cg.get('')}/${file}` : `/sys/fs/cgroup/${ctrl}${cg.get(ctrl)}/${file}`, 'utf8').trim();
    expect(read('memory', v2 ? 'memory.max' : 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(read('pids', 'pids.max')).toBe('77');
    if (!v2) expect(read('cpu', 'cpu.shares')).toBe('512');
    // The fallback for a container already gone at start: the runtime's rule gives the same cgroup.
    const own = (v2 ? /^0::(.*)$/m : /^\d+:memory:(.*)$/m).exec(readFileSync('/proc/self/cgroup', 'utf8'))![1]!;
    const expected = expectedOomCounterFile(v2 ? 'v2' : 'v1', own, `${cgroupParent}/flynn-limits`);
    expect(expected).toBe(v2 ? `/sys/fs/cgroup${cg.get('')}/memory.events` : `/sys/fs/cgroup/memory${cg.get('memory')}/memory.oom_control`);
    const stdin = await h.openStdin!();
    stdin.end('\n');
    expect(await h.wait()).toMatchObject({ code: 0 });
    expect((await collectOutput(h.output())).stdout).toBe('4321\n65534\n65534\n');
  });

  it('OOM-kills a job writing past its memory limit and reports oomKilled', async () => {
    // tail keeps the whole newline-free stream in memory: the OOM killer picks it, the shell exits 137.
    const r = await run('oom', ['sh', '-c', 'head -c 200m /dev/zero | tail'], { limits: { memoryBytes: 32 << 20, pids: 100 } });
    expect(r.exit).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: true });
    // PID 1's child itself the victim, within milliseconds of the start (may be gone before start() returns).
    const fast = await run('oom-fast', ['sh', '-c', 'x=0123456789abcdef; while :; do x=$x$x; done'], { limits: { memoryBytes: 32 << 20 } });
    expect(fast.exit).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: true });
    const fine = await run('no-oom', ['sh', '-c', 'head -c 20m /dev/zero | wc -c'], { limits: { memoryBytes: 32 << 20 } });
    expect(fine.exit).toEqual({ code: 0, oomKilled: false });
    expect(fine.stdout.trim()).toBe(String(20 << 20));
  });

  it('keeps the image layers read-only; the writable upper works and is limited to tempDiskBytes', async () => {
    const r = await run('disk', ['sh', '-c', 'echo hi >/etc/new && cat /etc/new && rm /bin/ls && dd if=/dev/zero of=/big bs=1M count=64 2>&1; echo "dd=$?"'], { tempDiskBytes: 8 << 20 });
    expect(r.stdout).toContain('hi\n');
    expect(r.stdout).toMatch(/No space left on device/);
    expect(r.stdout).toMatch(/dd=[1-9]/);
    expect(existsSync(join(lower, 'etc', 'new'))).toBe(false);
    expect(existsSync(join(lower, 'bin', 'ls'))).toBe(true);
  });

  it('streams output while running, resumes after cursors, and feeds stdin to cat', async () => {
    const h = await driver.start(spec('stream', ['sh', '-c', 'echo first; echo warn >&2; while read l; do echo "got $l"; done; echo done'], { stdin: true }));
    const chunks: OutputChunk[] = [];
    const it = h.output()[Symbol.asyncIterator]();
    const text = () => chunks.map((c) => c.data.toString()).join('');
    const until = async (s: string) => {
      while (!text().includes(s)) {
        const r = await it.next();
        if (r.done) throw new Error(`ended before ${s}: ${text()}`);
        chunks.push(r.value);
      }
    };
    await until('warn\n'); // the job is blocked in `read`: output arrives while it runs
    expect(alive(h.pid)).toBe(true);
    const stdin = await h.openStdin!();
    stdin.write('x\n');
    await until('got x\n');
    stdin.end('y\n');
    await until('done\n');
    expect(await h.wait()).toMatchObject({ code: 0 });
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      chunks.push(r.value);
    }
    const joined = (from: number, stream: string) => chunks.slice(from).filter((c) => c.stream === stream).map((c) => c.data.toString()).join('');
    expect(joined(0, 'stdout')).toBe('first\ngot x\ngot y\ndone\n');
    expect(joined(0, 'stderr')).toBe('warn\n');
    expect(chunks.every((c) => typeof c.time === 'number')).toBe(true);
    for (let i = 0; i < chunks.length; i++) {
      const rest = await collectOutput(h.output(chunks[i]!.cursor));
      expect([rest.stdout, rest.stderr]).toEqual([joined(i + 1, 'stdout'), joined(i + 1, 'stderr')]);
    }
  });

  it('gives a tty job a terminal that resize() changes', async () => {
    const h = await driver.start(spec('tty', ['sh', '-c', 'while read l; do stty size; done'], { tty: true, stdin: true }));
    await h.resize!(33, 111);
    const stdin = await h.openStdin!();
    const seen: string[] = [];
    const reader = (async () => {
      for await (const c of h.output()) seen.push(c.data.toString());
    })();
    // resize and stdin travel on different channels: ask until the new size shows.
    await waitFor(
      async () => {
        stdin.write('\n');
        await new Promise((r) => setTimeout(r, 50));
        return seen.join('').includes('33 111');
      },
      { what: 'stty to show the new size' },
    );
    stdin.end();
    await h.signal(9);
    await h.wait();
    await reader;
  });

  it('re-attaches from a new driver instance to a running container and to one that exited meanwhile', async () => {
    const running = await driver.start(spec('re-run', ['sh', '-c', 'echo started; exec sleep 1000']));
    const exited = await driver.start(spec('re-exit', ['sh', '-c', 'echo bye; exit 7']));
    await waitFor(() => !alive(exited.pid));
    const restarted = new OciDriver(options());
    const r1 = (await restarted.reattach('re-run', join(dir, 'jobs', 're-run')))!;
    const r2 = (await restarted.reattach('re-exit', join(dir, 'jobs', 're-exit')))!;
    expect(r1.pid).toBe(running.pid);
    expect(await r2.wait()).toEqual({ code: 7, oomKilled: false });
    expect((await collectOutput(r2.output())).stdout).toBe('bye\n');
    await r1.signal(9);
    expect(await r1.wait()).toMatchObject({ code: 137 });
    expect((await collectOutput(r1.output())).stdout).toBe('started\n');
    expect(await restarted.reattach('nope', join(dir, 'jobs', 'nope'))).toBeNull();
  });

  it('keeps the container running when the daemon that started it is killed with SIGKILL', async () => {
    const s = spec('survivor', ['sh', '-c', 'echo one; read x; echo "two $x"'], { stdin: true });
    const { child, pid } = await startInChildDaemon('oci', options(), s);
    children.push(child);
    process.kill(child, 'SIGKILL');
    await waitFor(() => !alive(child), { what: 'the child daemon to die' });
    expect(alive(pid)).toBe(true);
    const h = (await new OciDriver(options()).reattach('survivor', s.stateDir))!;
    expect(h.pid).toBe(pid);
    const stdin = await h.openStdin!();
    stdin.end('go\n');
    expect(await h.wait()).toEqual({ code: 0, oomKilled: false });
    expect((await collectOutput(h.output())).stdout).toBe('one\ntwo go\n');
  });

  it('joins the network namespace it is given (only lo inside)', async () => {
    execFileSync('ip', ['netns', 'add', netns]);
    const nsPath = `/run/netns/${netns}`;
    const h = await driver.start(spec('netns', ['sh', '-c', 'ip -o link | cut -d: -f2; read x'], { stdin: true, network: { mode: 'netns', netnsPath: nsPath } }));
    expect(readlinkSync(`/proc/${h.pid}/ns/net`)).toBe(`net:[${statSync(nsPath).ino}]`);
    const stdin = await h.openStdin!();
    stdin.end('\n');
    await h.wait();
    expect((await collectOutput(h.output())).stdout.trim()).toBe('lo');
    const host = await run('hostnet', ['sh', '-c', 'ip -o link | wc -l']);
    expect(Number(host.stdout.trim())).toBeGreaterThan(1);
  });

  it('refuses a command missing from the image, leaving nothing mounted', async () => {
    const s = spec('missing-cmd', ['no-such-command']);
    const err = await driver.start(s).catch((e: unknown) => e);
    expect(FlynnError.is(err) && err.code).toBe('FLYNN_HOST_RUNTIME_EXEC_NOT_FOUND');
    expect(await mountsUnder(s.stateDir)).toEqual([]);
    const noRoot = await driver.start(spec('no-rootfs', ['true'], { lowerDirs: [] })).catch((e: unknown) => e);
    expect(FlynnError.is(noRoot) && noRoot.code).toBe('FLYNN_HOST_RUNTIME_INVALID_SPEC');
  });

  it('reports a runtime refusal with its message and rolls back', async () => {
    const s = spec('bad-cwd', ['true'], { workingDir: '/etc/passwd' });
    const err = await driver.start(s).catch((e: unknown) => e);
    expect(FlynnError.is(err) && err.code).toBe('FLYNN_HOST_RUNTIME_START');
    expect(String((err as Error).message)).toMatch(/passwd/);
    expect(await mountsUnder(s.stateDir)).toEqual([]);
    expect(listContainers('runc', runtimeRoot)).not.toContain('flynn-bad-cwd');
  });

  it('cleanup deletes the container, unmounts and removes the state dir, idempotently', async () => {
    const s = spec('cleanup', ['sleep', '1000']);
    const h = await driver.start(s);
    expect(listContainers('runc', runtimeRoot)).toContain('flynn-cleanup');
    await driver.cleanup('cleanup', s.stateDir);
    expect(alive(h.pid)).toBe(false);
    expect(listContainers('runc', runtimeRoot)).not.toContain('flynn-cleanup');
    expect(await mountsUnder(s.stateDir)).toEqual([]);
    expect(existsSync(s.stateDir)).toBe(false);
    await driver.cleanup('cleanup', s.stateDir);
  });
});
