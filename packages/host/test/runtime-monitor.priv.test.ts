import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import type { OutputChunk } from '../src/contracts.js';
import { parseK8sLog } from '../src/runtime/core/k8s-log.js';
import { OciDriver } from '../src/runtime/oci-driver.js';
import type { OciDriverOptions } from '../src/runtime/oci-driver.js';
import { mountsUnder } from '../src/runtime/oci-state.js';
import { readProcStat } from '../src/runtime/proc.js';
import { makeDriverDirs, procAlive, specMaker, teardownDriver } from './driver-fixture.js';
import type { FixtureJob } from './driver-fixture.js';
import { collectOutput, listContainers, startInChildDaemon } from './runtime-fixtures.js';

// The flynn-monitor path of the oci driver specifically (runtime-oci.priv.test.ts runs the whole
// driver contract with the default monitor, which is this one when it is built).
const monitorPath = fileURLToPath(new URL('../build/Release/flynn-monitor', import.meta.url));
const missing = missingRequirements({
  root: true,
  commands: ['runc', 'perl', 'umount'],
  paths: ['/usr/bin/busybox', '/usr/bin/tini-static', monitorPath],
});

const alive = procAlive;

describe.skipIf(missing)('OciDriver with flynn-monitor (root)', () => {
  const cgroupParent = `flynn-mon-test-${process.pid}`;
  let dir = '';
  let lower = '';
  let runtimeRoot = '';
  let driver: OciDriver;
  const jobs: FixtureJob[] = [];
  const children: number[] = [];
  const options = (over: OciDriverOptions = {}): OciDriverOptions => ({ runtimeRoot, cgroupParent, pollIntervalMs: 100, monitor: 'flynn', ...over });

  const spec = specMaker(jobs, () => ({ dir, lower }));
  const monitorPidOf = (stateDir: string) => (JSON.parse(readFileSync(join(stateDir, 'oci.json'), 'utf8')) as { conmonPid: number }).conmonPid;
  // start() does not wait for the second write of oci.json (the one with the pids).
  const savedMonitorPid = (stateDir: string) => waitFor(() => monitorPidOf(stateDir) || undefined, { what: 'oci.json with the pids' });

  beforeAll(() => {
    ({ dir, lower, runtimeRoot } = makeDriverDirs('flynn-mon-', 'runc-root'));
    driver = new OciDriver(options());
  });

  afterAll(async () => {
    await teardownDriver({ driver, jobs, children, dir, runtimeRoot, cgroupParent });
  });

  it('supervises each job with one detached flynn-monitor (no conmon, no wrapper) that leaves once the job exited', async () => {
    const s = spec('detached', ['sh', '-c', 'until [ -e /go ]; do sleep 0.05; done']);
    const h = await driver.start(s);
    const mon = await savedMonitorPid(s.stateDir);
    const st = await readProcStat(mon);
    expect(st?.comm).toBe('flynn-monitor');
    // Its own session and process group (signals to the daemon's group never reach it; killing the daemon
    // leaves it running, see the next test).
    expect(st?.pgrp).toBe(mon);
    // The container's init was re-parented to the monitor (a child subreaper) when `runc run -d` exited.
    expect((await readProcStat(h.pid))?.ppid).toBe(mon);
    writeFileSync(join(s.stateDir, 'bundle', 'rootfs', 'go'), '');
    expect(await h.wait()).toEqual({ code: 0, oomKilled: false });
    await waitFor(() => !alive(mon), { what: 'the monitor to exit after the job' });
    // Before it left, it deleted the container and unmounted the rootfs: cleanup() has nothing to spawn.
    expect(listContainers('runc', runtimeRoot)).not.toContain('flynn-detached');
    expect(await mountsUnder(s.stateDir)).toEqual([]);
    expect(readFileSync(join(s.stateDir, 'exits', 'flynn-detached.oom'), 'utf8')).toBe('0');
  });

  it('records the exit code while the daemon is down; a new driver restores it with the whole output', async () => {
    const s = spec('orphan', ['sh', '-c', 'echo out; until [ -e /go ]; do sleep 0.05; done; echo err >&2; exit 5']);
    const { child, pid } = await startInChildDaemon('oci', options(), s);
    children.push(child);
    process.kill(child, 'SIGKILL');
    await waitFor(() => !alive(child), { what: 'the child daemon to die' });
    expect(alive(pid)).toBe(true);
    // The job ends while no daemon runs: the monitor alone writes the exit file.
    writeFileSync(join(s.stateDir, 'bundle', 'rootfs', 'go'), '');
    const exitFile = join(s.stateDir, 'exits', 'flynn-orphan');
    await waitFor(() => existsSync(exitFile), { what: 'the exit file' });
    expect(readFileSync(exitFile, 'utf8')).toBe('5');
    const h = (await new OciDriver(options()).reattach('orphan', s.stateDir))!;
    expect(h.pid).toBe(pid);
    expect(await h.wait()).toEqual({ code: 5, oomKilled: false });
    const out = await collectOutput(h.output());
    expect([out.stdout, out.stderr]).toEqual(['out\n', 'err\n']);
  });

  it('recovers a job whose oci.json was not yet written when the daemon died (pids from the pid files)', async () => {
    const s = spec('unsaved', ['sh', '-c', 'echo hi; until [ -e /go ]; do sleep 0.05; done; exit 3']);
    const h = await driver.start(s);
    await savedMonitorPid(s.stateDir);
    // What a crash right after the start leaves: the state written before the spawn (no pids).
    const stateFile = join(s.stateDir, 'oci.json');
    writeFileSync(stateFile, JSON.stringify({ ...JSON.parse(readFileSync(stateFile, 'utf8')), pid: 0, pidStart: 0, conmonPid: 0, conmonStart: 0 }));
    const r = (await new OciDriver(options()).reattach('unsaved', s.stateDir))!;
    expect(r.pid).toBe(h.pid);
    expect(monitorPidOf(s.stateDir)).toBeGreaterThan(0);
    writeFileSync(join(s.stateDir, 'bundle', 'rootfs', 'go'), '');
    expect(await r.wait()).toEqual({ code: 3, oomKilled: false });
    expect((await collectOutput(r.output())).stdout).toBe('hi\n');
  });

  it('reports a signal death of the job as 128+N, and an OOM kill', async () => {
    // No init: the job is PID 1, so the monitor sees the signal itself (not tini's 128+N exit).
    const noInit = new OciDriver(options({ initPath: false }));
    const h = await noInit.start(spec('sig', ['sleep', '1000']));
    process.kill(h.pid, 'SIGKILL');
    expect(await h.wait()).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: false });
    const oom = await driver.start(spec('oom', ['sh', '-c', 'head -c 200m /dev/zero | tail'], { limits: { memoryBytes: 32 << 20, pids: 100 } }));
    expect(await oom.wait()).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: true });
  });

  it('delivers a SIGTERM sent right after the start (the init is PID 1: none may be dropped before tini is set up)', async () => {
    const handles = await Promise.all([1, 2, 3, 4].map((i) => driver.start(spec(`term-now-${i}`, ['sleep', '1000']))));
    await Promise.all(handles.map((h) => h.signal(15)));
    // If a SIGTERM were lost, the job would sleep on: a SIGKILL much later ends it with 137 instead of 143.
    const kill = setTimeout(() => handles.forEach((h) => void h.signal(9)), 20_000);
    const exits = await Promise.all(handles.map((h) => h.wait()));
    clearTimeout(kill);
    expect(exits.map((e) => e.code)).toEqual([143, 143, 143, 143]);
  });

  it('keeps the order of each stream across many reads and logs a partial last line as such', async () => {
    const s = spec('order', ['sh', '-c', 'seq 1 20000; seq 1 3000 >&2; printf "no newline"']);
    const h = await driver.start(s);
    expect(await h.wait()).toMatchObject({ code: 0 });
    const out = await collectOutput(h.output());
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');
    expect(out.stdout).toBe(lines(20000) + 'no newline');
    expect(out.stderr).toBe(lines(3000));
    // The on-disk log is well-formed k8s-file: every line parses, and the last record is a partial one.
    const log = readFileSync(join(s.stateDir, 'output.log'));
    const parsed = parseK8sLog(log);
    expect(parsed.malformed).toBe(0);
    expect(parsed.consumed).toBe(log.length);
    // (The two streams are separate pipes: their relative order is whichever the monitor read first.)
    expect(log.toString().trimEnd().split('\n').filter((l) => l.includes(' stdout ')).at(-1)).toMatch(/^\S+Z stdout P no newline$/);
  });

  it('gives a tty job a terminal: attach writes to it, resize changes it, output comes back on stdout', async () => {
    const h = await driver.start(spec('tty', ['sh', '-c', '[ -t 0 ] && echo is-a-tty; read l; echo "got $l"; stty size; read l2'], { tty: true, stdin: true }));
    await h.resize!(21, 77);
    const stdin = await h.openStdin!();
    const chunks: OutputChunk[] = [];
    const reader = (async () => {
      for await (const c of h.output()) chunks.push(c);
    })();
    stdin.write('hello\n');
    const text = () => chunks.map((c) => c.data.toString()).join('');
    await waitFor(() => text().includes('21 77'), { what: 'stty size after the resize' });
    expect(text()).toContain('is-a-tty');
    expect(text()).toContain('got hello');
    expect(chunks.every((c) => c.stream === 'stdout')).toBe(true);
    // A tty job's stdin stays open when the client leaves; the job still reads the next line of a new client.
    stdin.end();
    const again = await h.openStdin!();
    again.end('bye\n');
    expect(await h.wait()).toEqual({ code: 0, oomKilled: false });
    await reader;
  });

  it('hands a start to a spare monitor spawned after the previous one; close() lets the spares go', async () => {
    const spares = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8') === `${monitorPath}\0--args-from-stdin\0` && (/\) \S (\d+) /.exec(readFileSync(`/proc/${p}/stat`, 'utf8'))?.[1] === String(process.pid));
          } catch {
            return false;
          }
        })
        .map(Number);
    // (The suite's shared driver has a spare of its own: look at the new ones only.)
    const others = new Set(spares());
    const ours = () => spares().filter((p) => !others.has(p));
    const own = new OciDriver(options());
    const first = spec('spare-1', ['true']);
    await (await own.start(first)).wait();
    // Four spares (the pool size), spawned once no start was in flight.
    const pool = await waitFor(() => (ours().length === 4 ? ours() : undefined), { what: 'the spare monitors' });
    const second = spec('spare-2', ['true']);
    const h = await own.start(second);
    const used = await savedMonitorPid(second.stateDir);
    expect(pool).toContain(used);
    expect(await h.wait()).toEqual({ code: 0, oomKilled: false });
    await waitFor(() => ours().length === 4 && !ours().includes(used), { what: 'the pool refilled' });
    await own.close();
    await waitFor(() => ours().length === 0, { what: 'the spares to exit after close()' });
  });

  it('closes a job without tty its stdin when the attach client leaves (EOF)', async () => {
    const h = await driver.start(spec('stdin-eof', ['sh', '-c', 'wc -c'], { stdin: true }));
    const stdin = await h.openStdin!();
    stdin.end('x'.repeat(100_000));
    expect(await h.wait()).toEqual({ code: 0, oomKilled: false });
    expect((await collectOutput(h.output())).stdout.trim()).toBe('100000');
  });
});
