/**
 * TLS pinning, `flynn run` and `flynn log` against a stand-in controller
 * over HTTPS with a self-signed certificate (made by openssl).
 *
 * The stand-in answers only what these commands call, in the wire formats of
 * reference §5.3 (`GET /apps/:id/log` newline-delimited JSON, `POST
 * /apps/:id/jobs` with `Upgrade: flynn-attach/0`) and §2.10 (attach frames):
 * the real controller does not serve these endpoints yet.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuthHeader } from '@flynn-ts/controller';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster } from '../src/connection.js';
import { formatFlynnrc } from '../src/core/flynnrc.js';
import type { FlynnrcCluster } from '../src/core/flynnrc.js';
import { describeError } from '../src/errors.js';
import { tlsPinFromPem } from '../src/tls-pin.js';
import type { CliEnv } from './harness.js';
import { flynn, readBody, selfSignedCert } from './harness.js';

const KEY = `key-${randomUUID()}`;
const JOB_ID = `host1-${randomUUID()}`;

function frame(type: number, stream: number | undefined, payload: Uint8Array): Buffer {
  const head = stream === undefined ? Buffer.from([type, 0, 0, 0, 0]) : Buffer.from([type, stream, 0, 0, 0, 0]);
  head.writeUInt32BE(payload.length, stream === undefined ? 1 : 2);
  return Buffer.concat([head, payload]);
}

/** The attach side of the stand-in: echoes stdin to stdout; on stdin EOF says bye on stderr and exits with the code in the job's args. */
function serveAttach(socket: Socket, head: Buffer, exitCode: number): void {
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: flynn-attach/0\r\nConnection: Upgrade\r\n\r\n');
  let buf = head;
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 6 && buf[0] === 3) {
      const len = buf.readUInt32BE(2);
      if (buf.length < 6 + len) break;
      const data = buf.subarray(6, 6 + len);
      buf = buf.subarray(6 + len);
      if (len > 0) {
        socket.write(frame(3, 1, data));
      } else {
        socket.write(frame(3, 2, Buffer.from('bye\n')));
        const exit = Buffer.from([5, 0, 0, 0, 0]);
        exit.writeUInt32BE(exitCode, 1);
        socket.end(exit);
      }
    }
  };
  socket.on('data', onData);
  if (head.length > 0) onData(Buffer.alloc(0));
}

describe('TLS pin, run and log against an HTTPS stand-in', () => {
  let tmp: string;
  let server: Server;
  let url: string;
  let pin: string;
  const requests: string[] = [];
  let lastJob: Record<string, unknown> | undefined;
  let env: CliEnv;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flynn-cli-tls-'));
    mkdirSync(join(tmp, 'home'));
    const cert = await selfSignedCert(tmp, 'controller.test.local');
    pin = tlsPinFromPem(cert.cert);
    server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      void readBody(req).then((body) => {
        requests.push(`${req.method} ${req.url}`);
        if (req.url === '/ca-cert') return void res.end('CA PEM');
        if (req.headers.authorization !== basicAuthHeader(KEY)) {
          res.statusCode = 401;
          return void res.end();
        }
        res.setHeader('content-type', 'application/json');
        if (req.method === 'GET' && req.url === '/apps') return void res.end('[]');
        if (req.method === 'GET' && req.url === '/apps/myapp/release') {
          return void res.end(JSON.stringify({ id: 'rel-1', app_id: 'a', artifacts: ['art-1'], env: {}, meta: {}, processes: {}, created_at: '' }));
        }
        if (req.method === 'POST' && req.url === '/apps/myapp/jobs') {
          lastJob = JSON.parse(body) as Record<string, unknown>;
          return void res.end(JSON.stringify({ id: JOB_ID, uuid: JOB_ID.slice(6), app: 'a', state: 'pending', created_at: '', updated_at: '' }));
        }
        if (req.method === 'GET' && req.url?.startsWith('/apps/myapp/log?')) {
          const line = (stream: string, msg: string) =>
            JSON.stringify({ host_id: 'host1', job_id: JOB_ID, msg, process_type: 'web', source: 'app', stream, timestamp: '2024-05-06T21:58:12.7517Z' }) + '\n';
          res.write(line('stdout', 'listening'));
          // A message split across chunks.
          const err = line('stderr', 'oops');
          res.write(err.slice(0, 10));
          return void res.end(err.slice(10));
        }
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 'not_found', message: 'no such endpoint' }));
      });
    });
    server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      requests.push(`UPGRADE ${req.method} ${req.url} ${req.headers.upgrade}`);
      if (req.headers.authorization !== basicAuthHeader(KEY)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // The JSON body arrives in front of the attach stream.
      const len = Number(req.headers['content-length'] ?? 0);
      const read = (have: Buffer) => {
        if (have.length < len) {
          socket.once('data', (c: Buffer) => read(Buffer.concat([have, c])));
          return;
        }
        lastJob = JSON.parse(have.subarray(0, len).toString('utf8')) as Record<string, unknown>;
        const args = lastJob.args as string[];
        serveAttach(socket, have.subarray(len), Number(args[args.length - 1]));
      };
      read(head);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clusters: FlynnrcCluster[] = [
      { name: 'pinned', key: KEY, tlsPin: pin, controllerUrl: url, gitUrl: '', imageUrl: '' },
    ];
    env = { home: join(tmp, 'home'), flynnrc: join(tmp, 'flynnrc'), cwd: tmp, extraEnv: { FLYNN_APP: 'myapp' } };
    writeFileSync(env.flynnrc, formatFlynnrc({ default: 'pinned', clusters }));
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const cluster = (o: Partial<FlynnrcCluster> = {}): FlynnrcCluster => ({ name: 'c', key: KEY, controllerUrl: url, gitUrl: '', imageUrl: '', ...o });

  it('accepts the pinned self-signed certificate', async () => {
    const conn = connectCluster(cluster({ tlsPin: pin }));
    try {
      expect(await conn.client.appList()).toEqual([]);
      expect(await conn.caCert()).toBe('CA PEM');
    } finally {
      await conn.close();
    }
  });

  it('refuses another certificate before sending anything', async () => {
    const before = requests.length;
    const other = Buffer.alloc(32, 7).toString('base64');
    const conn = connectCluster(cluster({ tlsPin: other }));
    try {
      const err = await conn.client.appList().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(describeError(err, url).message).toBe(`cannot reach the controller at ${url}: the TLS certificate of 127.0.0.1 does not match the pinned fingerprint (TLSPin)`);
      expect(requests.length).toBe(before);
    } finally {
      await conn.close();
    }
  });

  it('without a pin, a self-signed certificate is not trusted (clear message)', async () => {
    const conn = connectCluster(cluster());
    try {
      const err = await conn.client.appList().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(describeError(err, url).message).toMatch(new RegExp(`^cannot reach the controller at ${url}: self-signed certificate \\(add the cluster with its TLS pin`));
    } finally {
      await conn.close();
    }
    expect(() => connectCluster(cluster({ tlsPin: 'not base64 of 32 bytes' }))).toThrow(/error decoding tls pin/);
  });

  it('flynn run: stdin to the job, its stdout and stderr back, its exit code as ours', async () => {
    const r = await flynn(env, ['run', '--', 'sh', '-c', 'cat', '3'], { input: 'hello from stdin\n' });
    expect(r).toEqual({ code: 3, stdout: 'hello from stdin\n', stderr: 'bye\n' });
    expect(requests).toContain('UPGRADE POST /apps/myapp/jobs flynn-attach/0');
    expect(lastJob).toMatchObject({ release: 'rel-1', args: ['sh', '-c', 'cat', '3'], release_env: true, disable_log: true });
    expect(lastJob?.tty).toBeUndefined();
    const zero = await flynn(env, ['run', 'true', '0']);
    expect(zero).toEqual({ code: 0, stdout: '', stderr: 'bye\n' });
  });

  it('flynn run -d prints the job id', async () => {
    const r = await flynn(env, ['run', '-d', '-e', '/bin/sh', 'script.sh']);
    expect(r).toEqual({ code: 0, stdout: `${JOB_ID}\n`, stderr: '' });
    expect(lastJob).toMatchObject({ args: ['/bin/sh', 'script.sh'], disable_log: false });
  });

  it('flynn log: the query of reference §5.3 and the original line format; --split-stderr', async () => {
    const r = await flynn(env, ['log', '-n', '2', '-t', 'web', '-j', JOB_ID]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`2024-05-06T21:58:12.751700Z app[web.${JOB_ID}]: listening\n2024-05-06T21:58:12.751700Z app[web.${JOB_ID}]: oops\n`);
    expect(requests).toContain(`GET /apps/myapp/log?job_id=${JOB_ID}&lines=2&process_type=web&stream_types=stdout%2Cstderr`);
    const split = await flynn(env, ['log', '--split-stderr', '--raw-output']);
    expect(split).toEqual({ code: 0, stdout: 'listening\n', stderr: 'oops\n' });
  });

  it('a wrong pin from the command line: a clear message and exit 1', async () => {
    const other = Buffer.alloc(32, 1).toString('base64');
    const rc = join(tmp, 'flynnrc-bad');
    writeFileSync(rc, formatFlynnrc({ clusters: [cluster({ name: 'bad', tlsPin: other })] }));
    const r = await flynn({ ...env, flynnrc: rc }, ['apps']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `cannot reach the controller at ${url}: the TLS certificate of 127.0.0.1 does not match the pinned fingerprint (TLSPin)\n` });
  });
});
