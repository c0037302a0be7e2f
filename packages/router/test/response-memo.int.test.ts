/**
 * An upstream connection skips parsing a response head identical to the one
 * before it (src/proxy/upstream-connection.ts). A raw backend answers on one
 * keep-alive connection with the same head twice, then other heads (chunked,
 * a different length, a malformed one), then the first head again: every
 * response must be framed by its own head.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';

const HEAD5 = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n';
const answers: Record<string, string> = {
  '/a1': `${HEAD5}hello`,
  '/a2': `${HEAD5}world`,
  '/chunked': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n',
  '/seven': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nsevenxx',
  '/a3': `${HEAD5}again`,
  '/bad': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
};

let backend: Server;
let router: Router;
let port: number;
const backendConnections = new Set<Socket>();

beforeAll(async () => {
  backend = createServer((s) => {
    backendConnections.add(s);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n\r\n'); i !== -1; i = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, i);
        buf = buf.slice(i + 4);
        const path = head.split(' ')[1] ?? '';
        s.write(answers[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      }
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const addr = `127.0.0.1:${(backend.address() as { port: number }).port}`;
  router = createRouter({ routes: [{ type: 'http', id: 'memo', service: 'memo', domain: 'memo.test' }], backends: { memo: [addr] } });
  port = (await router.listen({ http: 0 })).http[0]!;
});

afterAll(async () => {
  await router.close();
  for (const s of backendConnections) s.destroy();
  await new Promise<void>((r) => backend.close(() => r()));
});

describe('repeated response heads', () => {
  it('frames every response by its own head on one backend connection', async () => {
    const agent = new Agent({ connections: 1 });
    const got: string[] = [];
    for (const path of ['/a1', '/a2', '/chunked', '/a1', '/seven', '/a3', '/a3', '/bad', '/a2']) {
      const r = await request(`http://127.0.0.1:${port}${path}`, { headers: { host: 'memo.test' }, dispatcher: agent });
      got.push(`${r.statusCode}:${await r.body.text()}`);
    }
    await agent.close();
    expect(got).toEqual(['200:hello', '200:world', '200:abcdefg', '200:hello', '200:sevenxx', '200:again', '200:again', expect.stringMatching(/^502:/), '200:world']);
  });
});
