/**
 * `POST /attach` (flynn-attach/0) end to end with real processes: stdin echoed
 * through `cat`, the exit code, a forwarded SIGINT, a job started attached
 * (the `waiting` state until it starts), and the wire bytes of the handshake.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachFlag } from '../src/attach/core/attach-codec.js';
import type { TestHost } from './host-harness.js';
import { jobId, readAll, shJob, startTestHost, waitForStatus } from './host-harness.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => {
  await t?.close();
});

describe('attach', () => {
  it('echoes stdin through cat and delivers the exit code', async () => {
    const id = jobId();
    await t.client.addJob({ id, config: { args: ['cat'], stdin: true } });
    await waitForStatus(t.client, id, ['running']);
    const session = await t.client.attach({ jobId: id, stdin: true });
    expect(session.waited).toBe(false);
    await session.attached;
    const out = readAll(session.stdout);
    session.stdin.write('hello ');
    session.stdin.write('attach\n');
    session.stdin.end();
    expect(await session.exit).toBe(0);
    expect(await out).toBe('hello attach\n');
    expect(await waitForStatus(t.client, id, ['done'])).toMatchObject({ exit_status: 0 });
  });

  it('forwards SIGINT and reports the signal exit code', async () => {
    const id = jobId();
    await t.client.addJob({ id, config: { args: ['cat'], stdin: true } });
    await waitForStatus(t.client, id, ['running']);
    const session = await t.client.attach({ jobId: id, stdin: true });
    await session.attached;
    const out = readAll(session.stdout);
    session.stdin.write('before\n');
    // The echo proves cat is reading before it gets the signal.
    await new Promise<void>((resolve) => session.stdout.once('data', () => resolve()));
    session.signal(2);
    expect(await session.exit).toBe(130);
    expect(await out).toBe('before\n');
    expect(await waitForStatus(t.client, id, ['crashed'])).toMatchObject({ exit_status: 130 });
  });

  it('waits for a job started attached and gets all of its output', async () => {
    const id = jobId();
    const session = await t.client.attach({ jobId: id });
    expect(session.waited).toBe(true);
    const out = readAll(session.stdout);
    const err = readAll(session.stderr);
    await t.client.addJob(shJob(id, 'echo first; echo to-stderr >&2; echo last; exit 4'));
    await session.attached;
    expect(await session.exit).toBe(4);
    expect(await out).toBe('first\nlast\n');
    expect(await err).toBe('to-stderr\n');
  });

  it('reports a failed job with an error frame, and refuses to wait when asked not to', async () => {
    const id = jobId();
    const session = await t.client.attach({ jobId: id });
    await t.client.addJob({ id, config: { args: ['/nonexistent/program'] } });
    await expect(session.exit).rejects.toThrow(/not found/);
    await expect(t.client.attach({ jobId: jobId(), wait: false })).rejects.toMatchObject({ code: 'FLYNN_HOST_ATTACH_WOULD_WAIT' });
    const done = jobId();
    await t.client.addJob(shJob(done, 'exit 0'));
    await waitForStatus(t.client, done, ['done']);
    await expect(t.client.attach({ jobId: done })).rejects.toThrow(/host: job not running/);
  });

  it('speaks the original wire format: 101 with Upgrade: flynn-attach/0, then the state byte and frames', async () => {
    const id = jobId();
    await t.client.addJob({ id, config: { args: ['cat'], stdin: true } });
    await waitForStatus(t.client, id, ['running']);
    const url = new URL(t.host.url);
    const sock = connect(Number(url.port), url.hostname);
    const body = JSON.stringify({ job_id: id, flags: AttachFlag.stdout | AttachFlag.stdin | AttachFlag.stream });
    // As the Go client sends it (pkg/httpclient Hijack).
    sock.write(`POST /attach HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: ${body.length}\r\nConnection: upgrade\r\nContent-Type: application/json\r\nUpgrade: flynn-attach/0\r\n\r\n${body}`);
    let received = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    const headerEnd = () => received.indexOf('\r\n\r\n');
    await waitUntil(() => headerEnd() !== -1 && received.length > headerEnd() + 4);
    const head = received.subarray(0, headerEnd()).toString();
    expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(head).toMatch(/\r\nUpgrade: flynn-attach\/0/i);
    expect(received[headerEnd() + 4]).toBe(0); // success
    // stdin "hi\n" then EOF, as data frames on stream 0.
    sock.write(Buffer.from([3, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a, 3, 0, 0, 0, 0, 0]));
    await new Promise<void>((resolve) => sock.once('end', () => resolve()));
    const frames = received.subarray(headerEnd() + 5);
    // data(stdout "hi\n"), EOF(stdout), exit(0)
    expect([...frames]).toEqual([3, 1, 0, 0, 0, 3, 0x68, 0x69, 0x0a, 3, 1, 0, 0, 0, 0, 5, 0, 0, 0, 0]);
    sock.destroy();
  });

  it('answers a malformed attach request with a JSON 400', async () => {
    const url = new URL(t.host.url);
    const sock = connect(Number(url.port), url.hostname);
    const body = '{"flags":1}';
    sock.write(`POST /attach HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: upgrade\r\nUpgrade: flynn-attach/0\r\n\r\n${body}`);
    const text = await readAll(sock);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'validation_error', message: 'job_id is required' });
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition not met');
}
