/**
 * The discoverd HTTP API on a real socket (serve() on 127.0.0.1:0), driven by
 * real `curl`: registration, an SSE read with `curl -N`, a follower's 307
 * followed by `curl -L` (which re-sends the body), and the bytes on the wire.
 */
import { execFile, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { createDiscoveryApi } from '../src/server/http-api.js';
import { instanceId } from '../src/core/instance-id.js';
import { FakeBackend } from '../src/testing/fake-backend.js';

const missing = missingRequirements({ commands: ['curl'] });

interface Node {
  backend: FakeBackend;
  server: HttpServerHandle;
  address: string;
}

const servers: HttpServerHandle[] = [];

/** A server whose backend knows its own address (bound first, then the app is created). */
async function startNode(leader?: () => string): Promise<Node> {
  const ref: { fetch?: (req: Request) => Response | Promise<Response> } = {};
  const server = await serve((req) => ref.fetch!(req), { host: '127.0.0.1', port: 0, graceMs: 100 });
  servers.push(server);
  const address = `127.0.0.1:${server.port}`;
  const backend = new FakeBackend({ self: address, ...(leader ? { leader: leader(), peers: [leader()] } : {}) });
  const app = createDiscoveryApi(backend, { signal: server.closing });
  ref.fetch = (req) => app.fetch(req);
  return { backend, server, address };
}

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Splits `curl -i` output into status line, lower-cased headers and body. */
function parseHttp(raw: string): { status: number; headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf(':');
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: raw.slice(end + 4) };
}

const instance = (port: number) => {
  const addr = `127.0.0.1:${port}`;
  return { id: instanceId('tcp', addr), addr, proto: 'tcp' };
};

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(100)));
});

describe.skipIf(missing)('discoverd HTTP API with curl', () => {
  it('registers over HTTP and streams the events with curl -N', async () => {
    const node = await startNode();
    const base = `http://${node.address}`;
    const put = await curl(['-i', '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"leader_type":"oldest"}', `${base}/services/foo`]);
    const created = parseHttp(put.stdout);
    expect(created.status).toBe(200);
    expect(created.headers.get('content-length')).toBe('0');
    expect(created.headers.has('content-type')).toBe(false);
    expect(created.headers.get('discoverd-index')).toBe('0');
    expect(created.headers.get('discoverd-peers')).toBe(node.address);

    const a = instance(5000);
    const reg = await curl(['-i', '-X', 'PUT', '-d', JSON.stringify({ ...a, meta: { k: 'v' } }), `${base}/services/foo/instances/${a.id}`]);
    expect(parseHttp(reg.stdout).status).toBe(200);

    const list = parseHttp((await curl(['-i', `${base}/services/foo/instances`])).stdout);
    expect(list.headers.get('content-type')).toBe('application/json');
    expect(list.headers.has('transfer-encoding')).toBe(false);
    expect(list.body).toBe(`[{"id":"${a.id}","addr":"127.0.0.1:5000","proto":"tcp","meta":{"k":"v"},"index":2}]`);

    const child = spawn('curl', ['-sS', '-N', '--max-time', '20', `${base}/services/foo`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    try {
      await waitFor(() => out.includes('"kind":"current"'), { what: 'snapshot' });
      const b = instance(5001);
      await curl(['-X', 'PUT', '-d', JSON.stringify(b), `${base}/services/foo/instances/x`]);
      await waitFor(() => out.includes('"kind":"up","instance":{"id":"' + b.id), { what: 'live up event' });
      const expectedA = `{"id":"${a.id}","addr":"127.0.0.1:5000","proto":"tcp","meta":{"k":"v"},"index":2}`;
      expect(out).toBe(
        `data: {"service":"foo","kind":"up","instance":${expectedA}}\n\n` +
          `data: {"service":"foo","kind":"leader","instance":${expectedA}}\n\n` +
          'data: {"service":"foo","kind":"current"}\n\n' +
          `data: {"service":"foo","kind":"up","instance":{"id":"${b.id}","addr":"127.0.0.1:5001","proto":"tcp","index":3}}\n\n`,
      );
      expect(node.backend.subscriberCount).toBe(1);
    } finally {
      child.kill('SIGTERM');
    }
    // The client went away: the server closes its subscription.
    await waitFor(() => node.backend.subscriberCount === 0, { what: 'subscription closed after disconnect' });
  });

  it('redirects a write on a follower with 307, and curl -L re-sends the body to the leader', async () => {
    const leader = await startNode();
    const follower = await startNode(() => leader.address);

    const raw = parseHttp((await curl(['-i', '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"leader_type":"manual"}', `http://${follower.address}/services/bar?x=1`])).stdout);
    expect(raw.status).toBe(307);
    expect(raw.headers.get('location')).toBe(`http://${leader.address}/services/bar?x=1`);
    expect(raw.headers.get('content-length')).toBe('0');
    expect(raw.body).toBe('');
    expect(raw.headers.get('discoverd-peers')).toBe(`${leader.address},${follower.address}`);

    const followed = await curl(['-L', '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"leader_type":"manual"}', '-w', '%{http_code} %{num_redirects}', `http://${follower.address}/services/bar`]);
    expect(followed.stdout).toBe('200 1');
    expect(await leader.backend.getService('bar')).toEqual({ leader_type: 'manual' });
    expect(await follower.backend.getService('bar')).toBeUndefined();
  });

  it('answers POST /shutdown with Connection: close, then 503', async () => {
    const node = await startNode();
    const res = parseHttp((await curl(['-i', '-X', 'POST', `http://${node.address}/shutdown`])).stdout);
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.body).toBe('{"last_index":0}');
    const after = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${node.address}/ping`]);
    expect(after.stdout).toBe('503');
  });
});
