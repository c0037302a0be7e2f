import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlynnError } from '@flynn-ts/core';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import type { ContainerHandle, ContainerSpec, OutputChunk } from '../src/contracts.js';
import { ProcessDriver } from '../src/runtime/process-driver.js';
import { collectOutput, startInChildDaemon, testSpec } from './runtime-fixtures.js';

const missing = missingRequirements({ commands: ['sh', 'sleep', 'setsid', 'prlimit', 'mkfifo'] });

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe.skipIf(missing)('ProcessDriver (plain processes, no isolation)', () => {
  let dir = '';
  const driver = new ProcessDriver({ pollIntervalMs: 100 });
  const jobs: { jobId: string; stateDir: string }[] = [];
  const children: number[] = [];

  const spec = (jobId: string, args: string[], over: Partial<ContainerSpec> = {}): ContainerSpec => {
    const stateDir = join(dir, jobId);
    jobs.push({ jobId, stateDir });
    return testSpec({ jobId, args, stateDir, ...over });
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flynn-process-'));
  });

  afterAll(async () => {
    for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
    // cleanup() kills what still runs (by the pid it recorded) and removes the state dir.
    for (const j of jobs) await driver.cleanup(j.jobId, j.stateDir).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports exit codes 0 and 3 and the output of both streams', async () => {
    const ok = await driver.start(spec('exit0', ['sh', '-c', 'echo out; echo err >&2']));
    const three = await driver.start(spec('exit3', ['sh', '-c', 'echo three; exit 3']));
    expect(await ok.wait()).toEqual({ code: 0, oomKilled: false });
    expect(await three.wait()).toEqual({ code: 3, oomKilled: false });
    const out = await collectOutput(ok.output());
    expect([out.stdout, out.stderr]).toEqual(['out\n', 'err\n']);
    expect((await collectOutput(three.output())).stdout).toBe('three\n');
  });

  it('signals the job process group: SIGTERM → 143, SIGKILL → 137 (children too)', async () => {
    const term = await driver.start(spec('term', ['sleep', '1000']));
    await term.signal(15);
    expect(await term.wait()).toEqual({ code: 143, signal: 'SIGTERM', oomKilled: false });

    const kill = await driver.start(spec('kill', ['sh', '-c', 'sleep 1000 & echo $! >"$0"; wait', join(dir, 'kill.child')]));
    const child = Number(await waitFor(() => existsSync(join(dir, 'kill.child')) && readFileSync(join(dir, 'kill.child'), 'utf8').trim()));
    expect(alive(child)).toBe(true);
    await kill.signal(9);
    expect(await kill.wait()).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: false });
    await waitFor(() => !alive(child), { what: 'the job child to die with its group' });
  });

  it('applies maxFd, env and the working directory', async () => {
    const h = await driver.start(spec('limits', ['sh', '-c', 'ulimit -n; pwd; echo "$FLYNN_TEST"'], { workingDir: dir, limits: { maxFd: 321 }, env: { PATH: '/usr/bin:/bin', FLYNN_TEST: 'hello' } }));
    expect(await h.wait()).toMatchObject({ code: 0 });
    expect((await collectOutput(h.output())).stdout).toBe(`321\n${dir}\nhello\n`);
  });

  it('resumes output after any cursor', async () => {
    const h = await driver.start(spec('cursor', ['sh', '-c', 'echo one; echo two >&2; echo three; echo four >&2']));
    await h.wait();
    const chunks: OutputChunk[] = [];
    for await (const c of h.output()) chunks.push(c);
    const all = (from: number, stream: string) => chunks.slice(from).filter((c) => c.stream === stream).map((c) => c.data.toString()).join('');
    expect(all(0, 'stdout')).toBe('one\nthree\n');
    expect(all(0, 'stderr')).toBe('two\nfour\n');
    for (let i = 0; i < chunks.length; i++) {
      const rest = await collectOutput(h.output(chunks[i]!.cursor));
      expect([rest.stdout, rest.stderr]).toEqual([all(i + 1, 'stdout'), all(i + 1, 'stderr')]);
    }
    expect(() => h.output('o1:0')).toThrow(expect.objectContaining({ code: 'FLYNN_HOST_RUNTIME_BAD_CURSOR' }));
  });

  it('streams output while the job runs and feeds stdin through openStdin; closing it is EOF', async () => {
    const h = await driver.start(spec('stdin', ['sh', '-c', 'echo ready; while read l; do echo "got $l"; done; echo eof'], { stdin: true }));
    const it = h.output()[Symbol.asyncIterator]();
    let seen = '';
    const until = async (text: string) => {
      while (!seen.includes(text)) {
        const r = await it.next();
        if (r.done) throw new Error(`output ended before ${JSON.stringify(text)}: ${seen}`);
        seen += r.value.data.toString();
      }
    };
    await until('ready\n');
    const stdin = await h.openStdin!();
    stdin.write('a\n');
    await until('got a\n');
    stdin.end('b\n');
    await until('eof\n');
    await it.return?.();
    expect(await h.wait()).toMatchObject({ code: 0 });
    expect(seen).toBe('ready\ngot a\ngot b\neof\n');
    await expect(h.openStdin!()).rejects.toMatchObject({ code: 'FLYNN_HOST_RUNTIME_NOT_RUNNING' });
  });

  it('re-attaches from a new driver instance, to a running job and to one that exited meanwhile', async () => {
    const running = await driver.start(spec('re-run', ['sh', '-c', 'echo started; exec sleep 1000']));
    const exited = await driver.start(spec('re-exit', ['sh', '-c', 'echo bye; exit 7']));
    await waitFor(() => !alive(exited.pid));

    const restarted = new ProcessDriver({ pollIntervalMs: 100 });
    const r1 = (await restarted.reattach('re-run', join(dir, 're-run')))!;
    const r2 = (await restarted.reattach('re-exit', join(dir, 're-exit')))!;
    expect(r1.pid).toBe(running.pid);
    expect(await r2.wait()).toEqual({ code: 7, oomKilled: false });
    expect((await collectOutput(r2.output())).stdout).toBe('bye\n');
    await r1.signal(9);
    expect(await r1.wait()).toMatchObject({ code: 137 });
    expect((await collectOutput(r1.output())).stdout).toBe('started\n');
    expect(await restarted.reattach('nope', join(dir, 'nope'))).toBeNull();
    expect(await restarted.reattach('re-exit', join(dir, 're-run'))).toBeNull();
  });

  it('keeps jobs running when the daemon that started them is killed with SIGKILL', async () => {
    const s = spec('survivor', ['sh', '-c', 'echo one; read x; echo "two $x"'], { stdin: true });
    const { child, pid } = await startInChildDaemon('process', {}, s);
    children.push(child);
    process.kill(child, 'SIGKILL');
    await waitFor(() => !alive(child), { what: 'the child daemon to die' });
    expect(alive(pid)).toBe(true);
    // No Node process per job: the job's parent is the sh wrapper.
    const ppid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1]);
    expect(readFileSync(`/proc/${ppid}/comm`, 'utf8').trim()).toBe('sh');

    const h = (await new ProcessDriver({ pollIntervalMs: 100 }).reattach('survivor', s.stateDir))!;
    const stdin = await h.openStdin!();
    stdin.end('go\n');
    expect(await h.wait()).toMatchObject({ code: 0 });
    expect((await collectOutput(h.output())).stdout).toBe('one\ntwo go\n');
  });

  it('refuses a command that does not exist, with a typed error', async () => {
    const err = await driver.start(spec('nope', ['no-such-command-xyz'])).catch((e: unknown) => e);
    expect(FlynnError.is(err) && err.code).toBe('FLYNN_HOST_RUNTIME_EXEC_NOT_FOUND');
    const cwd = await driver.start(spec('nocwd', ['true'], { workingDir: join(dir, 'missing') })).catch((e: unknown) => e);
    expect(FlynnError.is(cwd) && cwd.code).toBe('FLYNN_HOST_RUNTIME_INVALID_SPEC');
  });

  it.skipIf(process.getuid?.() !== 0)('runs the job as uid/gid when the daemon is root', async () => {
    const h = await driver.start(spec('user', ['sh', '-c', 'id -u; id -g; id -G'], { uid: 65534, gid: 65534 }));
    await h.wait();
    expect((await collectOutput(h.output())).stdout).toBe('65534\n65534\n65534\n');
  });

  it('cleanup kills a leftover job, removes its state dir, and is idempotent', async () => {
    const h: ContainerHandle = await driver.start(spec('cleanup', ['sleep', '1000']));
    await driver.cleanup('cleanup', join(dir, 'cleanup'));
    await waitFor(() => !alive(h.pid));
    expect(existsSync(join(dir, 'cleanup'))).toBe(false);
    await driver.cleanup('cleanup', join(dir, 'cleanup'));
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    expect(await driver.reattach('x', join(dir, 'not-a-dir'))).toBeNull();
  });
});
